// Path resolution that can never leave its base directory: `..` above the base, absolute
// paths and absolute symlinks fail with ENOTCAPABLE (the WASI rule), loops with ELOOP.

import { type DirNode, FsError, type VNode } from './types.js';

/** Linux's limit on symlink expansions in one resolution. */
const MAX_SYMLINKS = 40;
const MAX_PATH = 4096;
const MAX_NAME = 255;

export interface Lookup {
  /** The directory that holds the final component. */
  parent: DirNode;
  /** The final component; '.' when the path names a directory itself ('.', '..', 'a/..'). */
  name: string;
  /** The node the path names, or undefined when the final component does not exist. */
  node: VNode | undefined;
  /** The path (or a symlink it went through) ended with '/': the result must be a directory. */
  mustBeDir: boolean;
}

export interface LookupOptions {
  /** Follow a symlink in the final component (intermediate ones are always followed). */
  follow: boolean;
  /** When set, an absolute symlink target restarts at this directory, which must be `base`
   * itself (the container root); otherwise absolute targets fail with ENOTCAPABLE. */
  root?: DirNode;
}

export function lookup(base: DirNode, path: string, options: LookupOptions): Lookup {
  if (path.length === 0) throw new FsError('ENOENT', 'empty path');
  if (path.length > MAX_PATH) throw new FsError('ENAMETOOLONG');
  if (path.includes('\0')) throw new FsError('EINVAL', 'NUL in path');
  if (path.startsWith('/')) throw new FsError('ENOTCAPABLE', 'absolute path');

  const stack: DirNode[] = [base];
  // Components still to walk, in reverse so pop() takes the next one.
  const pending = splitReversed(path);
  let mustBeDir = path.endsWith('/');
  let expansions = 0;

  for (;;) {
    const dir = stack[stack.length - 1]!;
    const component = pending.pop();
    if (component === undefined) {
      // The path named a directory itself.
      return { parent: dir, name: '.', node: dir, mustBeDir };
    }
    const last = pending.length === 0;
    if (component === '.') {
      continue;
    }
    if (component === '..') {
      if (stack.length === 1) throw new FsError('ENOTCAPABLE', "'..' leaves the base directory");
      stack.pop();
      continue;
    }
    if (component.length > MAX_NAME) throw new FsError('ENAMETOOLONG');
    const node = dir.get(component);
    if (last) {
      if (node && node.kind === 'symlink' && (options.follow || mustBeDir)) {
        expansions = expand(node.target, pending, stack, options, expansions);
        if (node.target.endsWith('/')) mustBeDir = true;
        continue;
      }
      return { parent: dir, name: component, node, mustBeDir };
    }
    if (!node) throw new FsError('ENOENT');
    if (node.kind === 'dir') {
      stack.push(node);
    } else if (node.kind === 'symlink') {
      expansions = expand(node.target, pending, stack, options, expansions);
    } else {
      throw new FsError('ENOTDIR');
    }
  }
}

function expand(
  target: string,
  pending: string[],
  stack: DirNode[],
  options: LookupOptions,
  expansions: number,
): number {
  if (expansions + 1 > MAX_SYMLINKS) throw new FsError('ELOOP');
  if (target.length === 0) throw new FsError('ENOENT', 'empty symlink');
  if (target.startsWith('/')) {
    if (!options.root || stack[0] !== options.root) throw new FsError('ENOTCAPABLE', 'absolute symlink');
    stack.length = 1;
  }
  pending.push(...splitReversed(target));
  return expansions + 1;
}

function splitReversed(path: string): string[] {
  const parts = path.split('/').filter((p) => p.length > 0);
  return parts.reverse();
}

/** Resolves `path` to an existing node, following the final symlink; throws ENOENT if absent. */
export function resolveNode(base: DirNode, path: string, options: LookupOptions): VNode {
  const found = lookup(base, path, options);
  if (!found.node) throw new FsError('ENOENT');
  if (found.mustBeDir && found.node.kind !== 'dir') throw new FsError('ENOTDIR');
  return found.node;
}
