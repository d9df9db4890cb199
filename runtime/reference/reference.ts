// Image references: Docker's grammar and normalisation (`hello` → `docker.io/library/hello:latest`)
// plus the local transports `oci:DIR[:TAG]` and `oci-archive:FILE[:TAG]`. Parsed once, at the edge.

import { type Digest, parseDigest } from '../core/digest.js';
import { RuntimeError } from '../errors.js';

export const defaultDomain = 'docker.io';
export const defaultTag = 'latest';

/** An image in a registry, normalised: `domain/repository[:tag][@digest]`. */
export interface RegistryReference {
  readonly transport: 'registry';
  readonly domain: string;
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: Digest;
}

/** An image in an OCI image layout directory or an OCI archive (a tar of one). */
export interface LayoutReference {
  readonly transport: 'oci' | 'oci-archive';
  readonly path: string;
  readonly tag?: string;
}

export type ImageReference = (RegistryReference | LayoutReference) & { readonly __brand: 'ImageReference' };

const alnum = '[a-z0-9]+';
const separator = '(?:[._]|__|-+)';
const pathComponent = new RegExp(`^${alnum}(?:${separator}${alnum})*$`);
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainPattern = new RegExp(
  `^(?:${domainComponent}(?:\\.${domainComponent})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?$`,
);
const tagPattern = /^[\w][\w.-]{0,127}$/;
const maxNameLength = 255;

function invalid(input: string, why: string): RuntimeError {
  return new RuntimeError('ERR_INVALID_ARGUMENT', `invalid image reference "${input}": ${why}`);
}

function brand(ref: RegistryReference | LayoutReference): ImageReference {
  return ref as ImageReference;
}

/** Parses a reference; throws ERR_INVALID_ARGUMENT (before any network call) when it is malformed. */
export function parseReference(input: string): ImageReference {
  if (input.startsWith('oci:')) return parseLayout(input, 'oci');
  if (input.startsWith('oci-archive:')) return parseLayout(input, 'oci-archive');
  const rest = input.startsWith('docker://') ? input.slice('docker://'.length) : input;
  return brand(parseRegistry(rest, input));
}

function parseLayout(input: string, transport: 'oci' | 'oci-archive'): ImageReference {
  const body = input.slice(transport.length + 1);
  // As in skopeo: the path ends at the first colon, the rest is the tag (an annotation ref.name).
  const colon = body.indexOf(':');
  const path = colon === -1 ? body : body.slice(0, colon);
  const tag = colon === -1 ? undefined : body.slice(colon + 1);
  if (path === '') throw invalid(input, `${transport}: needs a path`);
  if (
    tag !== undefined &&
    !/^[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*(?:\/[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*)*$/.test(
      tag,
    )
  ) {
    throw invalid(input, `"${tag}" is not a valid OCI layout reference name`);
  }
  return brand(tag === undefined ? { transport, path } : { transport, path, tag });
}

function parseRegistry(text: string, input: string): RegistryReference {
  if (text === '') throw invalid(input, 'empty');
  let name = text;
  let digest: Digest | undefined;
  const at = name.indexOf('@');
  if (at !== -1) {
    const raw = name.slice(at + 1);
    try {
      digest = parseDigest(raw);
    } catch {
      throw invalid(input, `"${raw}" is not a sha256 digest`);
    }
    name = name.slice(0, at);
  }
  let tag: string | undefined;
  const lastColon = name.lastIndexOf(':');
  if (lastColon > name.lastIndexOf('/')) {
    tag = name.slice(lastColon + 1);
    name = name.slice(0, lastColon);
    if (!tagPattern.test(tag)) throw invalid(input, `"${tag}" is not a valid tag`);
  }
  if (name.length > maxNameLength) throw invalid(input, `name longer than ${maxNameLength} characters`);

  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  // Docker's rule: the first component is a registry host if it has a dot or a port, is
  // localhost, or has upper case (repositories never do).
  const isDomain =
    slash !== -1 &&
    (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase());
  let domain = isDomain ? first : defaultDomain;
  let repository = isDomain ? name.slice(slash + 1) : name;
  if (isDomain && !domainPattern.test(domain))
    throw invalid(input, `"${domain}" is not a valid registry host`);
  if (domain === 'index.docker.io') domain = defaultDomain;
  if (domain === defaultDomain && !repository.includes('/')) repository = `library/${repository}`;
  if (repository === '') throw invalid(input, 'no repository name');
  for (const component of repository.split('/')) {
    if (component !== component.toLowerCase()) throw invalid(input, 'repository name must be lowercase');
    if (!pathComponent.test(component)) throw invalid(input, `"${component}" is not a valid name component`);
  }
  if (tag === undefined && digest === undefined) tag = defaultTag;
  return {
    transport: 'registry',
    domain,
    repository,
    ...(tag ? { tag } : {}),
    ...(digest ? { digest } : {}),
  };
}

/** The canonical name: `docker.io/library/hello:latest`, `oci:DIR:TAG`. */
export function formatReference(ref: ImageReference): string {
  if (ref.transport !== 'registry') return `${ref.transport}:${ref.path}${ref.tag ? `:${ref.tag}` : ''}`;
  return `${ref.domain}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** `domain/repository`, the name images are grouped by. */
export function repositoryName(ref: RegistryReference): string {
  return `${ref.domain}/${ref.repository}`;
}

/** The short name Docker shows: `hello` for `docker.io/library/hello`. */
export function familiarName(name: string): string {
  if (name.startsWith(`${defaultDomain}/library/`)) return name.slice(`${defaultDomain}/library/`.length);
  if (name.startsWith(`${defaultDomain}/`)) return name.slice(`${defaultDomain}/`.length);
  return name;
}
