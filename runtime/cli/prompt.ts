// Questions on the terminal, for `wasmbox login` without a password flag (as `docker login` asks):
// the question goes to stderr, the answer is a line typed on stdin; a hidden answer is not echoed.

import { RuntimeError } from '../errors.js';

/** True when both ends are a terminal: only then may a command ask instead of failing. */
export function canAsk(): boolean {
  return process.stdin.isTTY === true && process.stderr.isTTY === true;
}

/**
 * Asks `question` and resolves with the line typed (without its newline). Ctrl-C rejects with
 * ERR_INTERRUPTED, Ctrl-D on an empty line with ERR_INVALID_ARGUMENT; backspace edits.
 */
export function ask(question: string, { hidden = false } = {}): Promise<string> {
  const stdin = process.stdin;
  // Raw (no echo by the terminal) before the question shows: an answer typed at once stays hidden.
  stdin.setRawMode(true);
  process.stderr.write(question);
  stdin.resume();
  return new Promise<string>((resolve, reject) => {
    let answer = '';
    const end = (error?: RuntimeError) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(answer);
    };
    const onData = (data: Buffer) => {
      for (const char of data.toString('utf8')) {
        if (char === '\r' || char === '\n') return end();
        if (char === '\u0003') return end(new RuntimeError('ERR_INTERRUPTED', 'interrupted'));
        if (char === '\u0004') {
          if (answer === '') return end(new RuntimeError('ERR_INVALID_ARGUMENT', 'no answer given'));
          continue;
        }
        if (char === '\u007f' || char === '\b') {
          if (answer === '') continue;
          answer = answer.slice(0, -1);
          if (!hidden) process.stderr.write('\b \b');
          continue;
        }
        if (char < ' ') continue;
        answer += char;
        if (!hidden) process.stderr.write(char);
      }
    };
    stdin.on('data', onData);
  });
}
