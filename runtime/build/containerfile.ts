// Parses a Containerfile / Dockerfile into instructions with their line numbers: parser
// directives, comments, line continuations, flags and the JSON (exec) form. Which instructions
// wasmbox can build is decided here too, so a refusal always names the instruction and the line.

import { RuntimeError } from '../errors.js';

export type Keyword = 'FROM' | 'COPY' | 'ADD' | 'ENV' | 'WORKDIR' | 'ENTRYPOINT' | 'CMD' | 'LABEL' | 'ARG';

export interface Instruction {
  keyword: Keyword;
  /** Line the instruction starts on (1-based). */
  line: number;
  /** `--name=value` flags in front of the arguments (`--link` alone gives ''). */
  flags: Map<string, string>;
  /** The arguments with continuations joined, flags removed, not yet expanded. */
  args: string;
  /** The arguments as a JSON array of strings, when written in exec form. */
  json?: string[];
  /** The instruction as written (continuations joined), for the image history. */
  text: string;
}

export interface Containerfile {
  instructions: Instruction[];
  /** The escape character (`\`, or `` ` `` from the `# escape=` directive). */
  escape: string;
  /** The file name used in messages, e.g. `Containerfile`. */
  name: string;
}

const supported = new Set<string>([
  'FROM',
  'COPY',
  'ADD',
  'ENV',
  'WORKDIR',
  'ENTRYPOINT',
  'CMD',
  'LABEL',
  'ARG',
]);

/** Dockerfile instructions wasmbox knows but cannot build, and why. */
const unsupported: Record<string, string> = {
  RUN: 'a wasm image has no shell or OS to run commands in; build the files outside and COPY them',
  SHELL: 'a wasm image has no shell',
  USER: 'wasm containers have no users (files are owned by 0:0)',
  EXPOSE: 'wasmbox has no container networking',
  VOLUME: 'declare mounts at run time (wasmbox run -v)',
  HEALTHCHECK: 'wasmbox runs no health checks',
  STOPSIGNAL: 'wasm guests receive no signals',
  ONBUILD: 'build triggers are not supported',
  MAINTAINER: 'it is deprecated; use LABEL org.opencontainers.image.authors=…',
};

/** Flags each instruction accepts; anything else is refused by name. */
const knownFlags: Partial<Record<Keyword, readonly string[]>> = {
  FROM: ['platform'],
  COPY: ['chmod', 'chown', 'link', 'from', 'parents', 'exclude'],
  ADD: ['chmod', 'chown', 'link', 'checksum', 'keep-git-dir', 'exclude'],
};

export function syntaxError(name: string, line: number, why: string): RuntimeError {
  return new RuntimeError('ERR_INVALID_ARGUMENT', `${name}:${line}: ${why}`);
}

/** Directives (`# escape=`, `# syntax=`) are read only before the first other line. */
function readDirectives(lines: string[], name: string): { escape: string; first: number } {
  let escapeChar = '\\';
  let i = 0;
  for (; i < lines.length; i++) {
    const m = /^\s*#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$/.exec(lines[i]!);
    if (!m) break;
    const key = m[1]!.toLowerCase();
    if (key === 'escape') {
      if (m[2] !== '\\' && m[2] !== '`') throw syntaxError(name, i + 1, `invalid escape "${m[2]}"`);
      escapeChar = m[2]!;
    } else if (key !== 'syntax' && key !== 'check') {
      break;
    }
  }
  return { escape: escapeChar, first: i };
}

function parseFlags(
  args: string,
  keyword: Keyword,
  name: string,
  line: number,
): [Map<string, string>, string] {
  const flags = new Map<string, string>();
  let rest = args;
  // Only FROM, COPY and ADD take flags; elsewhere `--x` is an argument (CMD app.wasm --x).
  if (!knownFlags[keyword]) return [flags, rest];
  for (;;) {
    const m = /^--([a-z][a-z-]*)(?:=(\S*))?(?:\s+|$)/.exec(rest);
    if (!m) break;
    const flag = m[1]!;
    if (!knownFlags[keyword]?.includes(flag)) {
      throw syntaxError(name, line, `${keyword} has no --${flag} flag`);
    }
    flags.set(flag, m[2] ?? '');
    rest = rest.slice(m[0].length);
  }
  return [flags, rest];
}

function parseJson(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  try {
    const value = JSON.parse(args) as unknown;
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  } catch {
    // Not JSON: docker then treats the line as shell form, and so do we.
  }
  return undefined;
}

/** Parses the text; `name` is used in errors (`Containerfile:3: …`). */
export function parseContainerfile(source: string, name = 'Containerfile'): Containerfile {
  const lines = source.replace(/^\uFEFF/, '').split(/\r?\n/);
  const { escape: escapeChar, first } = readDirectives(lines, name);
  const instructions: Instruction[] = [];
  const continuation = new RegExp(`${escapeChar === '\\' ? '\\\\' : escapeChar}\\s*$`);
  for (let i = first; i < lines.length; i++) {
    const startLine = i + 1;
    let text = lines[i]!.trim();
    if (text === '' || text.startsWith('#')) continue;
    while (continuation.test(text)) {
      text = text.replace(continuation, '');
      // Comment and empty lines inside a continued instruction are dropped, as docker does.
      while (++i < lines.length && /^\s*(#.*)?$/.test(lines[i]!)) {}
      if (i >= lines.length) break;
      text += ` ${lines[i]!.trim()}`;
    }
    const m = /^(\S+)\s*(.*)$/s.exec(text)!;
    const word = m[1]!.toUpperCase();
    if (!supported.has(word)) {
      const why = unsupported[word];
      if (why) {
        throw new RuntimeError(
          'ERR_NOT_SUPPORTED',
          `${name}:${startLine}: ${word} is not supported by wasmbox build: ${why}`,
        );
      }
      throw syntaxError(name, startLine, `unknown instruction "${m[1]}"`);
    }
    const keyword = word as Keyword;
    const [flags, args] = parseFlags(m[2]!.trim(), keyword, name, startLine);
    const json =
      keyword === 'CMD' || keyword === 'ENTRYPOINT' || keyword === 'COPY' || keyword === 'ADD'
        ? parseJson(args)
        : undefined;
    instructions.push({
      keyword,
      line: startLine,
      flags,
      args,
      ...(json ? { json } : {}),
      text: `${keyword} ${m[2]!.trim()}`,
    });
  }
  const firstReal = instructions.find((ins) => ins.keyword !== 'ARG');
  if (!firstReal) throw syntaxError(name, 1, 'no FROM instruction');
  if (firstReal.keyword !== 'FROM') {
    throw syntaxError(name, firstReal.line, `${firstReal.keyword} before FROM (only ARG may come first)`);
  }
  return { instructions, escape: escapeChar, name };
}
