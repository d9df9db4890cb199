// Pull progress, one row per blob (config and each layer): bytes received against the layer's
// size, and whether it was downloaded or already in the page's store.

import type { PullEvent } from '../../../runtime/image/pull.js';
import { formatBytes, h, shortDigest } from './dom.js';

interface BlobRow {
  size: number;
  got: number;
  bar: HTMLProgressElement;
  text: HTMLElement;
  row: HTMLElement;
}

export class PullView {
  readonly #target: HTMLElement;
  readonly #rows = new Map<string, BlobRow>();
  readonly #status: HTMLElement;
  #layers = 0;

  constructor(target: HTMLElement) {
    this.#target = target;
    this.#status = h('div', { class: 'pull-status' });
  }

  begin(reference: string): void {
    this.#rows.clear();
    this.#layers = 0;
    this.#status.textContent = `pulling ${reference}`;
    this.#status.className = 'pull-status';
    this.#target.replaceChildren(this.#status);
  }

  event(event: PullEvent): void {
    if (event.type === 'resolved') {
      this.#status.textContent = `${event.name} · ${event.platform} · ${event.packaging}`;
      return;
    }
    if (event.type === 'bytes') {
      const row = this.#rows.get(event.digest);
      if (!row) return;
      row.got += event.bytes;
      this.#show(row, 'downloading');
      return;
    }
    let row = this.#rows.get(event.digest);
    if (!row) {
      const label = event.role === 'config' ? 'config' : `layer ${++this.#layers}`;
      const bar = h('progress', { max: Math.max(event.size, 1), value: 0 });
      const text = h('span', { class: 'p-text' });
      const el = h(
        'div',
        { class: 'pull-row', 'data-digest': event.digest, 'data-role': event.role },
        h('span', { class: 'p-label' }, label),
        h('code', { title: event.digest }, shortDigest(event.digest)),
        bar,
        text,
      );
      row = { size: event.size, got: 0, bar, text, row: el };
      this.#rows.set(event.digest, row);
      this.#target.append(el);
    }
    if (event.status !== 'downloading') row.got = event.size;
    this.#show(row, event.status);
  }

  #show(row: BlobRow, status: 'exists' | 'downloading' | 'done'): void {
    row.bar.value = Math.min(row.got, row.size);
    row.row.dataset.status = status;
    const what = status === 'exists' ? 'already here' : status === 'done' ? 'verified' : 'downloading';
    row.text.textContent = `${formatBytes(Math.min(row.got, row.size))} / ${formatBytes(row.size)} · ${what}`;
  }

  finish(text: string): void {
    this.#status.textContent = text;
    this.#status.className = 'pull-status done';
  }

  fail(message: string): void {
    this.#status.textContent = message;
    this.#status.className = 'pull-status failed';
  }
}
