// Where kept containers live: the store contract (records, saved writable layers, name claims)
// and the one way a name or id given by a user is resolved to a record.

import { RuntimeError } from '../errors.js';
import { type ContainerRecord, isContainerId } from './record.js';

/**
 * Kept containers. Implementations: memory-store.ts, and platform/node/containers.ts on disk.
 * A container appears whole or not at all: its record, its upper layer and its name together.
 */
export interface ContainerStore {
  /**
   * Claims `record.name` and stores the record with its upper-layer tar. ERR_CONFLICT (docker's
   * message) when the name is taken; nothing is left behind on failure.
   */
  create(record: ContainerRecord, upper: Iterable<Uint8Array>): Promise<void>;
  /** The id holding `name`, or undefined when the name is free. */
  idOfName(name: string): Promise<string | undefined>;
  get(id: string): Promise<ContainerRecord | undefined>;
  list(): Promise<ContainerRecord[]>;
  /** The saved upper-layer tar; ERR_NOT_FOUND when the container is gone. */
  readUpper(id: string): AsyncIterable<Uint8Array>;
  /**
   * Replaces the saved upper layer (`cp` into the container) and the record's `upper` with
   * `info`; readers see the old pair or the new one. ERR_NOT_FOUND when the container is gone.
   */
  replaceUpper(id: string, upper: Iterable<Uint8Array>, info: ContainerRecord['upper']): Promise<void>;
  /**
   * Removes the record, its layer and its name; false when there was no such container. A
   * container whose record is damaged is removed too (the store finds its name claims).
   */
  remove(id: string): Promise<boolean>;
}

/**
 * Docker's order: a full id, then a name, then a unique id prefix. Undefined when nothing matches;
 * ERR_INVALID_ARGUMENT when a prefix matches several containers.
 */
export async function findContainer(
  store: ContainerStore,
  nameOrId: string,
): Promise<ContainerRecord | undefined> {
  if (isContainerId(nameOrId)) {
    const record = await store.get(nameOrId);
    if (record) return record;
  }
  const name = nameOrId.startsWith('/') ? nameOrId.slice(1) : nameOrId;
  const named = await store.idOfName(name);
  if (named !== undefined) {
    const record = await store.get(named);
    if (record) return record;
  }
  if (!/^[0-9a-f]{1,63}$/.test(nameOrId)) return undefined;
  const matches = (await store.list()).filter((r) => r.id.startsWith(nameOrId));
  if (matches.length > 1) {
    throw new RuntimeError(
      'ERR_INVALID_ARGUMENT',
      `multiple containers found with the id prefix: ${nameOrId}`,
    );
  }
  return matches[0];
}
