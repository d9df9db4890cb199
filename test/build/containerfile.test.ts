// The Containerfile parser and word processing: continuations, directives, flags, exec and shell
// forms, variable expansion, and refusals that name the instruction and its line.

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} here is Containerfile syntax, not a template

import { describe, expect, it } from 'vitest';
import { parseContainerfile } from '../../runtime/build/containerfile.js';
import { IgnoreRules, patternRegExp } from '../../runtime/build/patterns.js';
import { type LexOptions, lexWord, parsePairs, shellFormWords } from '../../runtime/build/words.js';

const lex: LexOptions = { escapeChar: '\\', expand: true, where: 'Containerfile:1' };

describe('parseContainerfile', () => {
  it('joins continuations, drops comments, keeps start lines, flags and exec form', () => {
    const file = parseContainerfile(
      [
        '# syntax=docker/dockerfile:1',
        'ARG V=1',
        'FROM scratch',
        '',
        '# a comment',
        'COPY --chmod=755 --link \\',
        '  # inside a continuation',
        '  a.wasm \\',
        '  /app/',
        'ENTRYPOINT ["/app/a.wasm", "x"]',
        'cmd --flag value',
      ].join('\n'),
    );
    expect(file.instructions.map((i) => [i.keyword, i.line])).toEqual([
      ['ARG', 2],
      ['FROM', 3],
      ['COPY', 6],
      ['ENTRYPOINT', 10],
      ['CMD', 11],
    ]);
    const copy = file.instructions[2]!;
    expect([...copy.flags]).toEqual([
      ['chmod', '755'],
      ['link', ''],
    ]);
    expect(copy.args).toBe('a.wasm  /app/');
    expect(file.instructions[3]!.json).toEqual(['/app/a.wasm', 'x']);
    expect(file.instructions[4]!.json).toBeUndefined();
  });

  it('honours the escape directive', () => {
    const file = parseContainerfile('# escape=`\nFROM scratch\nCOPY a `\n  b/\n');
    expect(file.escape).toBe('`');
    expect(file.instructions[1]!.args).toBe('a  b/');
  });

  it('refuses unsupported and unknown instructions with the line', () => {
    expect(() => parseContainerfile('FROM scratch\n\nRUN make\n', 'Dockerfile')).toThrow(
      /^Dockerfile:3: RUN is not supported by wasmbox build: a wasm image has no shell/,
    );
    expect(() => parseContainerfile('FROM scratch\nEXPOSE 80\n')).toThrowError(
      expect.objectContaining({
        code: 'ERR_NOT_SUPPORTED',
        message: expect.stringMatching(/^Containerfile:2: EXPOSE/),
      }),
    );
    expect(() => parseContainerfile('FROM scratch\nFROBNICATE x\n')).toThrowError(
      expect.objectContaining({
        code: 'ERR_INVALID_ARGUMENT',
        message: 'Containerfile:2: unknown instruction "FROBNICATE"',
      }),
    );
    expect(() => parseContainerfile('FROM scratch\nCOPY --owner=1 a b\n')).toThrow(
      'Containerfile:2: COPY has no --owner flag',
    );
    expect(() => parseContainerfile('COPY a b\n')).toThrow('Containerfile:1: COPY before FROM');
    expect(() => parseContainerfile('# only a comment\n')).toThrow(/no FROM instruction/);
  });
});

describe('words', () => {
  const vars = new Map([
    ['NAME', 'hello'],
    ['EMPTY', ''],
  ]);

  it('expands variables like docker, quotes and escapes included', () => {
    expect(lexWord('$NAME.wasm', vars, lex)).toBe('hello.wasm');
    expect(lexWord('${NAME}_x', vars, lex)).toBe('hello_x');
    expect(lexWord('${MISSING:-dflt}/${NAME:+set}', vars, lex)).toBe('dflt/set');
    expect(lexWord('${EMPTY:-e}${EMPTY:+no}', vars, lex)).toBe('e');
    expect(lexWord('\'$NAME\' "$NAME" \\$NAME', vars, lex)).toBe('$NAME hello $NAME');
    expect(() => lexWord('${NAME', vars, lex)).toThrow(/Containerfile:1: bad substitution|missing "}"/);
    expect(() => lexWord('"open', vars, lex)).toThrow('Containerfile:1: unterminated " quote in ""open"');
    expect(() => lexWord('${MISSING:?must be set}', vars, lex)).toThrow('MISSING: must be set');
  });

  it('parses KEY=VALUE pairs and the legacy KEY VALUE form', () => {
    expect(parsePairs('A=1 B="two words" C=$NAME', vars, lex, 'ENV')).toEqual([
      ['A', '1'],
      ['B', 'two words'],
      ['C', 'hello'],
    ]);
    expect(parsePairs('GREETING hello there', vars, lex, 'ENV')).toEqual([['GREETING', 'hello there']]);
    expect(() => parsePairs('=x', vars, lex, 'LABEL')).toThrow('LABEL: "=x" is not KEY=VALUE');
  });

  it('splits shell-form commands into words and refuses what needs a shell', () => {
    expect(shellFormWords('/app.wasm --name "a b" \'c d\' e\\ f', lex, 'CMD')).toEqual([
      '/app.wasm',
      '--name',
      'a b',
      'c d',
      'e f',
    ]);
    expect(shellFormWords('/a.wasm "quoted | pipe"', lex, 'CMD')).toEqual(['/a.wasm', 'quoted | pipe']);
    for (const bad of ['/a.wasm | tee x', '/a.wasm > out', '/a.wasm $HOME', '/a.wasm *.txt', 'a && b']) {
      expect(() => shellFormWords(bad, lex, 'ENTRYPOINT')).toThrowError(
        expect.objectContaining({
          code: 'ERR_NOT_SUPPORTED',
          message: expect.stringContaining('write the exec form'),
        }),
      );
    }
  });
});

describe('patterns', () => {
  it('matches globs without crossing directories, ** across them', () => {
    expect(patternRegExp('*.wasm', 'x').test('a.wasm')).toBe(true);
    expect(patternRegExp('*.wasm', 'x').test('dir/a.wasm')).toBe(false);
    expect(patternRegExp('**/*.wasm', 'x').test('dir/sub/a.wasm')).toBe(true);
    expect(patternRegExp('**/*.wasm', 'x').test('a.wasm')).toBe(true);
    expect(patternRegExp('file[0-9].txt', 'x').test('file7.txt')).toBe(true);
    expect(patternRegExp('file?.txt', 'x').test('file/.txt')).toBe(false);
  });

  it('applies .dockerignore rules: last match wins, a matched parent excludes its contents', () => {
    const rules = new IgnoreRules('# comment\n*.md\n!README.md\nbuild\n/secret/**\n!build/keep.wasm\n');
    expect(rules.ignores('notes.md')).toBe(true);
    expect(rules.ignores('README.md')).toBe(false);
    expect(rules.ignores('build/x.o')).toBe(true);
    expect(rules.ignores('build/keep.wasm')).toBe(false);
    expect(rules.ignores('secret/a/b')).toBe(true);
    expect(rules.ignores('src/a.wasm')).toBe(false);
    expect(rules.hasExceptions).toBe(true);
  });
});
