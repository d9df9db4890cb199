// Path patterns of the build context: `.dockerignore` rules (with `!` exceptions, `**`, and a
// match on a parent directory excluding its contents, as moby's patternmatcher does) and the
// glob syntax of COPY/ADD sources (`*`, `?`, `[…]`, `**`; `*` never crosses a `/`).

import { RuntimeError } from '../errors.js';

/** Compiles one pattern (already cleaned, no leading `/`) to an anchored regular expression. */
export function patternRegExp(pattern: string, where: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        // `**/` matches zero or more directories; a trailing `**` matches everything below.
        if (pattern[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else {
          re += '.*';
        }
      } else {
        re += '[^/]*';
      }
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end === -1) throw new RuntimeError('ERR_INVALID_ARGUMENT', `${where}: bad pattern "${pattern}"`);
      let body = pattern.slice(i + 1, end);
      if (body.startsWith('^') || body.startsWith('!')) body = `^${body.slice(1)}`;
      re += `[${body.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) {
      re += escapeRegExp(pattern[++i]!);
    } else {
      re += escapeRegExp(c);
    }
  }
  return new RegExp(`${re}$`);
}

function escapeRegExp(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

export function hasGlob(path: string): boolean {
  return /[*?[]/.test(path);
}

/** Normalises a context-relative path: no leading `./` or `/`, no `.` segments; undefined if it climbs out. */
export function cleanRelative(path: string): string | undefined {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) return undefined;
      out.pop();
    } else {
      out.push(part);
    }
  }
  return out.join('/');
}

interface IgnoreRule {
  regexp: RegExp;
  exclude: boolean;
}

/** The `.dockerignore` rules of a context; the last rule matching a path (or a parent) decides. */
export class IgnoreRules {
  readonly #rules: IgnoreRule[];

  constructor(text: string | undefined, where = '.dockerignore') {
    this.#rules = [];
    for (const raw of (text ?? '').split(/\r?\n/)) {
      let line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const exclude = !line.startsWith('!');
      if (!exclude) line = line.slice(1).trim();
      const cleaned = cleanRelative(line) ?? '';
      if (cleaned === '') continue;
      this.#rules.push({ regexp: patternRegExp(cleaned, where), exclude });
    }
  }

  /** True when some rule re-includes paths: a walk must then look inside ignored directories. */
  get hasExceptions(): boolean {
    return this.#rules.some((r) => !r.exclude);
  }

  ignores(path: string): boolean {
    if (path === '') return false;
    const parts = path.split('/');
    let ignored = false;
    for (const rule of this.#rules) {
      for (let n = 1; n <= parts.length; n++) {
        if (rule.regexp.test(parts.slice(0, n).join('/'))) {
          ignored = rule.exclude;
          break;
        }
      }
    }
    return ignored;
  }
}
