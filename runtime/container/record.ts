// A container's persistent record and its lifecycle as a small state machine
// (created → running → exited → removed), in the style of youki's container/state.rs.

import type { Digest } from '../core/digest.js';
import { isDigest } from '../core/digest.js';
import { RuntimeError } from '../errors.js';

/**
 * The lifecycle: `created` (root file system built), `running` (the guest executes), `exited` (the
 * guest returned an exit status; the file system stays readable), `removed` (gone for good).
 * A kept container is written to a store only once it has exited.
 */
export type ContainerState = 'created' | 'running' | 'exited' | 'removed';

export type LifecycleEvent = 'start' | 'exit' | 'remove';

const transitions: Record<ContainerState, Partial<Record<LifecycleEvent, ContainerState>>> = {
  created: { start: 'running', remove: 'removed' },
  running: { exit: 'exited' },
  exited: { remove: 'removed' },
  removed: {},
};

export function canStart(state: ContainerState): boolean {
  return transitions[state].start !== undefined;
}

/** A running container is removed only by force (which first ends it). */
export function canRemove(state: ContainerState, force = false): boolean {
  return transitions[state].remove !== undefined || (force && state === 'running');
}

export function canKill(state: ContainerState): boolean {
  return state === 'running';
}

/** The state after `event`, or ERR_CONFLICT naming the container when its state forbids it. */
export function nextState(state: ContainerState, event: LifecycleEvent, name: string): ContainerState {
  const next = transitions[state][event];
  if (next === undefined) {
    throw new RuntimeError('ERR_CONFLICT', `container ${name} is ${state}: cannot ${event} it`);
  }
  return next;
}

/** A layer the container's root was built on, bottom first. */
export interface LayerRef {
  digest: Digest;
  mediaType: string;
}

export interface ContainerRecord {
  /** Random, 64 lowercase hex digits; ps shows the first 12. */
  id: string;
  /** Unique among the store's containers; docker's charset `[a-zA-Z0-9][a-zA-Z0-9_.-]*`. */
  name: string;
  image: {
    /** The canonical reference the image was run by (`docker.io/library/x:latest`). */
    name: string;
    /** Its manifest digest. */
    digest: Digest;
  };
  /** The image layers under the container's writable layer, bottom first (none for raw wasm). */
  layers: LayerRef[];
  argv: string[];
  /** KEY=VALUE, as docker's Config.Env. */
  env: string[];
  workdir: string;
  state: ContainerState;
  /** ISO 8601 times. */
  created: string;
  finished?: string;
  exitCode?: number;
  /** The writable layer, saved as an uncompressed OCI layer tar. */
  upper: { mediaType: string; digest: Digest; size: number };
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const ID = /^[0-9a-f]{64}$/;

/** Docker's rule for container names; a leading "/" (docker's own form) is accepted and dropped. */
export function parseContainerName(text: string): string {
  const name = text.startsWith('/') ? text.slice(1) : text;
  if (!isContainerName(name)) {
    throw new RuntimeError(
      'ERR_INVALID_ARGUMENT',
      `invalid container name "${text}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
    );
  }
  return name;
}

export function isContainerName(text: string): boolean {
  return NAME.test(text) && text.length <= 128;
}

export function isContainerId(text: string): boolean {
  return ID.test(text);
}

/** A fresh random container id. */
export function newContainerId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Docker's message for a taken name. */
export function nameConflict(name: string, id: string): RuntimeError {
  return new RuntimeError(
    'ERR_CONFLICT',
    `Conflict. The container name "/${name}" is already in use by container "${id}". ` +
      'You have to remove (or rename) that container to be able to reuse that name.',
  );
}

export function noSuchContainer(nameOrId: string): RuntimeError {
  return new RuntimeError('ERR_NOT_FOUND', `No such container: ${nameOrId}`);
}

/** Validates a record read back from storage; `where` names it in the error. */
export function parseRecord(value: unknown, where: string): ContainerRecord {
  const bad = (why: string) => new RuntimeError('ERR_HOST_IO', `${where}: damaged container record: ${why}`);
  if (typeof value !== 'object' || value === null) throw bad('not an object');
  const r = value as Partial<ContainerRecord>;
  if (typeof r.id !== 'string' || !isContainerId(r.id)) throw bad('bad id');
  if (typeof r.name !== 'string' || !NAME.test(r.name)) throw bad('bad name');
  if (typeof r.image?.name !== 'string' || !isDigest(String(r.image?.digest))) throw bad('bad image');
  if (!Array.isArray(r.layers) || !r.layers.every((l) => isDigest(String(l?.digest))))
    throw bad('bad layers');
  if (!Array.isArray(r.argv) || !Array.isArray(r.env) || typeof r.workdir !== 'string')
    throw bad('bad command');
  if (r.state === undefined || !(r.state in transitions)) throw bad('bad state');
  if (typeof r.created !== 'string') throw bad('no creation time');
  if (!isDigest(String(r.upper?.digest)) || typeof r.upper?.size !== 'number') throw bad('bad upper layer');
  return r as ContainerRecord;
}
