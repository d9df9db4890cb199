// Kept containers in memory: for browsers and tests. Same contract as the on-disk store.

import { type ContainerRecord, nameConflict, noSuchContainer, parseContainerName } from './record.js';
import type { ContainerStore } from './store.js';

export class MemoryContainerStore implements ContainerStore {
  readonly #records = new Map<string, ContainerRecord>();
  readonly #uppers = new Map<string, Uint8Array[]>();
  readonly #names = new Map<string, string>();

  async create(record: ContainerRecord, upper: Iterable<Uint8Array>): Promise<void> {
    parseContainerName(record.name);
    const holder = this.#names.get(record.name);
    if (holder !== undefined) throw nameConflict(record.name, holder);
    this.#names.set(record.name, record.id);
    // Copies: the caller may reuse its buffers, and a stored record must not change under us.
    this.#uppers.set(
      record.id,
      [...upper].map((c) => c.slice()),
    );
    this.#records.set(record.id, structuredClone(record));
  }

  async idOfName(name: string): Promise<string | undefined> {
    return this.#names.get(name);
  }

  async get(id: string): Promise<ContainerRecord | undefined> {
    const record = this.#records.get(id);
    return record ? structuredClone(record) : undefined;
  }

  async list(): Promise<ContainerRecord[]> {
    return [...this.#records.values()].map((r) => structuredClone(r));
  }

  async *readUpper(id: string): AsyncIterable<Uint8Array> {
    const chunks = this.#uppers.get(id);
    if (!chunks) throw noSuchContainer(id);
    yield* chunks;
  }

  async replaceUpper(id: string, upper: Iterable<Uint8Array>, info: ContainerRecord['upper']): Promise<void> {
    const record = this.#records.get(id);
    if (!record) throw noSuchContainer(id);
    this.#uppers.set(
      id,
      [...upper].map((c) => c.slice()),
    );
    this.#records.set(id, { ...record, upper: { ...info } });
  }

  async remove(id: string): Promise<boolean> {
    const record = this.#records.get(id);
    if (!record) return false;
    this.#records.delete(id);
    this.#uppers.delete(id);
    if (this.#names.get(record.name) === id) this.#names.delete(record.name);
    return true;
  }
}
