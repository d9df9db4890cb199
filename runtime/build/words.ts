// Word processing of Containerfile arguments, as docker's shell lexer does it without a shell:
// quotes, backslash escapes and `$VAR` / `${VAR:-default}` / `${VAR:+alt}` expansion.

import { RuntimeError } from '../errors.js';

/** Values visible to expansion: ARGs and ENVs declared so far (ENV wins). */
export type Vars = ReadonlyMap<string, string>;

export interface LexOptions {
  /** The escape character: `\` unless the `# escape=` directive says `` ` ``. */
  escapeChar: string;
  /** Expand `$VAR`; false leaves `$` alone (used for exec-form words). */
  expand: boolean;
  /** Names the place in errors, e.g. `Containerfile:4`. */
  where: string;
}

const namePattern = /^[A-Za-z_][A-Za-z0-9_]*/;

function bad(where: string, why: string): RuntimeError {
  return new RuntimeError('ERR_INVALID_ARGUMENT', `${where}: ${why}`);
}

/** `${…}` at `text[at]` (just after `${`): returns the value and where parsing continues. */
function braced(text: string, at: number, vars: Vars, options: LexOptions): [string, number] {
  const name = namePattern.exec(text.slice(at))?.[0];
  if (!name) throw bad(options.where, `bad substitution in "${text}"`);
  let i = at + name.length;
  const value = vars.get(name);
  if (i >= text.length) throw bad(options.where, `missing "}" in "${text}"`);
  if (text[i] === '}') return [value ?? '', i + 1];
  const op = text.slice(i, i + 2);
  if (op !== ':-' && op !== ':+' && op !== ':?') {
    throw bad(options.where, `unsupported substitution "\${${name}${text.slice(i, i + 2)}…}" (use :- or :+)`);
  }
  // The word inside may itself hold quotes and variables: lex up to the matching brace.
  i += 2;
  let depth = 1;
  const start = i;
  while (i < text.length && depth > 0) {
    if (text[i] === options.escapeChar) i++;
    else if (text[i] === '{') depth++;
    else if (text[i] === '}') depth--;
    i++;
  }
  if (depth > 0) throw bad(options.where, `missing "}" in "${text}"`);
  const inner = lexWord(text.slice(start, i - 1), vars, options);
  const set = value !== undefined && value !== '';
  if (op === ':-') return [set ? value : inner, i];
  if (op === ':+') return [set ? inner : '', i];
  if (!set) throw bad(options.where, `${name}: ${inner || 'is not set'}`);
  return [value, i];
}

/** One word: quotes removed, escapes applied, variables expanded (unless `expand` is false). */
export function lexWord(text: string, vars: Vars, options: LexOptions): string {
  let out = '';
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; ) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else out += c;
      i++;
    } else if (c === options.escapeChar) {
      const next = text[i + 1];
      if (next === undefined) {
        out += c;
        i++;
      } else if (quote === '"' && next !== '"' && next !== '$' && next !== options.escapeChar) {
        out += c + next;
        i += 2;
      } else {
        out += next;
        i += 2;
      }
    } else if (c === '"' || (c === "'" && !quote)) {
      quote = quote === c ? undefined : c;
      i++;
    } else if (c === '$' && options.expand) {
      if (text[i + 1] === '{') {
        const [value, next] = braced(text, i + 2, vars, options);
        out += value;
        i = next;
      } else {
        const name = namePattern.exec(text.slice(i + 1))?.[0];
        if (name) {
          out += vars.get(name) ?? '';
          i += 1 + name.length;
        } else {
          out += c;
          i++;
        }
      }
    } else {
      out += c;
      i++;
    }
  }
  if (quote) throw bad(options.where, `unterminated ${quote} quote in "${text}"`);
  return out;
}

/** Splits at unquoted, unescaped whitespace, keeping each word raw (for lexWord later). */
export function splitRaw(text: string, escapeChar: string, where: string): string[] {
  const words: string[] = [];
  let current = '';
  let quote: string | undefined;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (!quote && /\s/.test(c)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
      continue;
    }
    inWord = true;
    current += c;
    if (c === escapeChar && quote !== "'" && i + 1 < text.length) {
      current += text[++i];
    } else if ((c === '"' || c === "'") && (!quote || quote === c)) {
      quote = quote ? undefined : c;
    }
  }
  if (quote) throw bad(where, `unterminated ${quote} quote`);
  if (inWord) words.push(current);
  return words;
}

/** `KEY=VALUE …` pairs (ENV, LABEL), or the legacy one-pair `KEY VALUE` form. */
export function parsePairs(
  text: string,
  vars: Vars,
  options: LexOptions,
  instruction: string,
): [string, string][] {
  const raw = splitRaw(text, options.escapeChar, options.where);
  if (raw.length === 0) throw bad(options.where, `${instruction} needs KEY=VALUE`);
  if (!raw[0]!.includes('=')) {
    // Legacy form: the rest of the line, as written, is the value.
    if (raw.length < 2) throw bad(options.where, `${instruction} ${raw[0]} needs a value`);
    const key = lexWord(raw[0]!, vars, options);
    const value = text.trim().slice(raw[0]!.length).trim();
    return [[key, lexWord(value, vars, options)]];
  }
  return raw.map((word) => {
    const eq = word.indexOf('=');
    if (eq <= 0) throw bad(options.where, `${instruction}: "${word}" is not KEY=VALUE`);
    return [lexWord(word.slice(0, eq), vars, options), lexWord(word.slice(eq + 1), vars, options)];
  });
}

/** Characters a shell would treat specially outside quotes: refused in shell-form CMD/ENTRYPOINT. */
const shellSpecial = /[|&;<>()`$*?[\]~{}]/;

/**
 * Shell-form CMD / ENTRYPOINT. A wasm image has no /bin/sh, so the line is split into words the
 * way a shell splits a simple command (quotes and escapes honoured); anything that would need a
 * shell (pipes, redirections, `$VAR`, globs) is refused with a pointer to the exec form.
 */
export function shellFormWords(text: string, options: LexOptions, instruction: string): string[] {
  const raw = splitRaw(text, options.escapeChar, options.where);
  for (const word of raw) {
    let quote: string | undefined;
    for (let i = 0; i < word.length; i++) {
      const c = word[i]!;
      if (c === options.escapeChar && quote !== "'") {
        i++;
      } else if ((c === '"' || c === "'") && (!quote || quote === c)) {
        quote = quote ? undefined : c;
      } else if (shellSpecial.test(c) && (!quote || (quote === '"' && (c === '$' || c === '`')))) {
        throw new RuntimeError(
          'ERR_NOT_SUPPORTED',
          `${options.where}: ${instruction} in shell form uses "${c}", which needs a shell; a wasm image has none: write the exec form, ${instruction} ["program.wasm", "arg"]`,
        );
      }
    }
  }
  return raw.map((word) => lexWord(word, new Map(), { ...options, expand: false }));
}
