// One xterm.js terminal per container: output from the container's stdout (and stderr, in red),
// a cooked line discipline for its stdin (echo, backspace, Enter sends the line), Ctrl-C to kill,
// Ctrl-D to end input, and a fit to its panel on every resize.

import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import type { ContainerHandle } from '../../../runtime/isolation/types.js';

const encoder = new TextEncoder();

export class TerminalSession {
  readonly element: HTMLElement;
  readonly #term: Terminal;
  readonly #fit = new FitAddon();
  #handle: ContainerHandle | undefined;
  #stdin: WritableStreamDefaultWriter<Uint8Array> | undefined;
  #line = '';
  #ended = false;

  constructor(parent: HTMLElement, onResize: (cols: number, rows: number) => void) {
    this.element = document.createElement('div');
    this.element.className = 'term-host';
    parent.append(this.element);
    this.#term = new Terminal({
      convertEol: true,
      cursorBlink: true,
      fontSize: 13,
      fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, monospace',
      theme: { background: '#0f1720', foreground: '#d6e2ee', cursor: '#7dd3fc' },
      scrollback: 2000,
    });
    this.#term.loadAddon(this.#fit);
    this.#term.open(this.element);
    this.#term.onResize(({ cols, rows }) => onResize(cols, rows));
    this.#term.onData((data) => this.#input(data));
    new ResizeObserver(() => this.fit()).observe(this.element);
  }

  get size(): { cols: number; rows: number } {
    return { cols: this.#term.cols, rows: this.#term.rows };
  }

  /** Fits the terminal to its element (only while it is shown: a hidden one has no size). */
  fit(): void {
    if (this.element.offsetParent !== null) this.#fit.fit();
  }

  focus(): void {
    this.#term.focus();
  }

  note(text: string): void {
    this.#term.write(`\x1b[2m${text}\x1b[0m\r\n`);
  }

  /** Wires the container's streams; resolves when both outputs have ended. */
  async attach(handle: ContainerHandle): Promise<void> {
    this.#handle = handle;
    this.#stdin = handle.stdin?.getWriter();
    await Promise.all([
      this.#pump(handle.stdout, (bytes) => this.#term.write(bytes)),
      this.#pump(handle.stderr, (bytes) => {
        this.#term.write('\x1b[31m');
        this.#term.write(bytes);
        this.#term.write('\x1b[0m');
      }),
    ]);
    this.#ended = true;
  }

  async #pump(stream: ReadableStream<Uint8Array> | null, write: (bytes: Uint8Array) => void): Promise<void> {
    if (!stream) return;
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      write(value);
    }
  }

  #send(text: string): void {
    this.#stdin?.write(encoder.encode(text)).catch(() => {});
  }

  #input(data: string): void {
    const handle = this.#handle;
    if (!handle || this.#ended) return;
    for (const ch of data) {
      if (ch === '\x03') {
        this.#term.write('^C\r\n');
        handle.kill('SIGINT');
        return;
      }
      if (!this.#stdin) {
        this.note('(stdin is closed: in shared isolation the guest cannot wait for typing; use vm)');
        return;
      }
      if (ch === '\x04') {
        // Ctrl-D: a pending line goes out first; on an empty line it is end of input.
        if (this.#line) this.#send(this.#line);
        else void this.#stdin.close().catch(() => {});
        this.#line = '';
      } else if (ch === '\r' || ch === '\n') {
        this.#term.write('\r\n');
        this.#send(`${this.#line}\n`);
        this.#line = '';
      } else if (ch === '\x7f' || ch === '\b') {
        if (this.#line) {
          this.#line = [...this.#line].slice(0, -1).join('');
          this.#term.write('\b \b');
        }
      } else if (ch >= ' ') {
        this.#line += ch;
        this.#term.write(ch);
      }
    }
  }
}
