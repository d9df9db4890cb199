// The build context: the directory COPY and ADD read from, behind an injected interface (Node:
// platform/node/build-context.ts) and filtered by `.dockerignore`. Paths are '/'-separated and
// relative to the context root ('' is the root); nothing here can reach outside it.

import { RuntimeError } from '../errors.js';
import { cleanRelative, type IgnoreRules, patternRegExp } from './patterns.js';

export interface ContextEntry {
  kind: 'file' | 'dir' | 'symlink' | 'other';
  /** Permission bits (0o7777). */
  mode: number;
  size: number;
  /** A symlink's target, as stored. */
  target?: string;
}

/** Read access to a build context; implementations refuse paths containing `..`. */
export interface BuildContext {
  /** Describes `path` without following a final symlink; undefined when missing. */
  lstat(path: string): Promise<ContextEntry | undefined>;
  /** Entry names of a directory (any order). */
  list(path: string): Promise<string[]>;
  read(path: string): Promise<Uint8Array>;
}

/** A context entry found by a walk or a lookup, with its context-relative path. */
export interface FoundEntry extends ContextEntry {
  path: string;
}

const maxSymlinkHops = 40;

function joinPath(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

/** The context seen through `.dockerignore`. */
export class FilteredContext {
  constructor(
    readonly context: BuildContext,
    readonly ignore: IgnoreRules,
  ) {}

  /**
   * Looks up a source path named by COPY/ADD, following symlinks (each hop must stay inside the
   * context, as docker's resolution does). Undefined when missing; 'ignored' when excluded.
   */
  async resolve(path: string): Promise<FoundEntry | 'ignored' | undefined> {
    let current = path;
    for (let hop = 0; hop <= maxSymlinkHops; hop++) {
      if (this.ignore.ignores(current)) return 'ignored';
      const entry = await this.#lstatResolvingParents(current);
      if (!entry) return undefined;
      if (entry.kind !== 'symlink') return { ...entry, path: current };
      const dir = current.includes('/') ? current.slice(0, current.lastIndexOf('/')) : '';
      const target = entry.target ?? '';
      const next = cleanRelative(target.startsWith('/') ? target : joinPath(dir, target));
      if (next === undefined) return undefined;
      current = next;
    }
    return undefined;
  }

  /** lstat with symlinked parent directories resolved (inside the context). */
  async #lstatResolvingParents(path: string): Promise<ContextEntry | undefined> {
    const direct = await this.context.lstat(path);
    if (direct || !path.includes('/')) return direct;
    const slash = path.lastIndexOf('/');
    const parent = await this.resolve(path.slice(0, slash));
    if (!parent || parent === 'ignored' || parent.kind !== 'dir') return undefined;
    const real = joinPath(parent.path, path.slice(slash + 1));
    return real === path ? undefined : this.context.lstat(real);
  }

  /** Every entry below `dir` (not `dir` itself), sorted, skipping ignored ones; symlinks are not followed. */
  async walk(dir: string): Promise<FoundEntry[]> {
    const out: FoundEntry[] = [];
    const names = (await this.context.list(dir)).sort();
    for (const name of names) {
      const path = joinPath(dir, name);
      const entry = await this.context.lstat(path);
      if (!entry) continue;
      const ignored = this.ignore.ignores(path);
      if (!ignored) out.push({ ...entry, path });
      if (entry.kind === 'dir' && (!ignored || this.ignore.hasExceptions))
        out.push(...(await this.walk(path)));
    }
    return out;
  }

  /** The entries a glob source names, sorted; `where` names the instruction in errors. */
  async glob(pattern: string, where: string): Promise<FoundEntry[]> {
    const clean = cleanRelative(pattern);
    if (clean === undefined) {
      throw new RuntimeError('ERR_INVALID_ARGUMENT', `${where}: ${pattern} is outside the build context`);
    }
    const regexp = patternRegExp(clean, where);
    // Only the part of the tree under the pattern's literal prefix can match.
    const parts = clean.split('/');
    const literal: string[] = [];
    for (const part of parts) {
      if (/[*?[\\]/.test(part)) break;
      literal.push(part);
    }
    const base = literal.slice(0, Math.min(literal.length, parts.length - 1)).join('/');
    const root = base === '' ? undefined : await this.resolve(base);
    if (base !== '' && (!root || root === 'ignored' || root.kind !== 'dir')) return [];
    const entries = await this.walk(root && root !== 'ignored' ? root.path : '');
    const matched = entries.filter((e) => regexp.test(e.path));
    // A directory matched as a whole already carries its children.
    return matched.filter((e) => !matched.some((d) => d.kind === 'dir' && e.path.startsWith(`${d.path}/`)));
  }
}
