// Kept containers on disk: `$WASMBOX_HOME/containers/<id>/` (record.json + upper.tar), with each
// name claimed by an exclusively created file `names/<name>` holding the id. A replaced upper layer
// (`cp` into the container) is `upper-<hex>.tar`, named by the digest its record holds: the record's
// rename is the one step that switches from the old layer to the new.

import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ContainerRecord,
  isContainerId,
  isContainerName,
  nameConflict,
  noSuchContainer,
  parseContainerName,
  parseRecord,
} from '../../container/record.js';
import type { ContainerStore } from '../../container/store.js';
import { RuntimeError } from '../../errors.js';
import { wasmboxHome } from './images.js';

type Env = Record<string, string | undefined>;

/** A name claim without a container this old was left by a process killed while keeping it. */
const staleClaimMs = 60_000;

/** A replaced upper layer's file: named by its digest (checked: 64 hex digits, nothing else). */
function upperFileName(digest: string): string {
  const hex = /^sha256:([0-9a-f]{64})$/.exec(digest)?.[1];
  if (!hex) throw new RuntimeError('ERR_INVALID_ARGUMENT', `invalid layer digest ${digest}`);
  return `upper-${hex}.tar`;
}

function isCode(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === code;
}

function hostIo(error: unknown, path: string): RuntimeError {
  return new RuntimeError('ERR_HOST_IO', `${path}: ${(error as Error).message}`, { cause: error });
}

export function containersDir(env: Env): string {
  return join(wasmboxHome(env), 'containers');
}

/** `onWarning`: told about containers `list` skips (a damaged record). */
export function openNodeContainers(env: Env, onWarning?: (message: string) => void): NodeContainerStore {
  return new NodeContainerStore(containersDir(env), Date.now, onWarning);
}

export class NodeContainerStore implements ContainerStore {
  constructor(
    readonly root: string,
    private readonly now: () => number = Date.now,
    private readonly onWarning?: (message: string) => void,
  ) {}

  async create(record: ContainerRecord, upper: Iterable<Uint8Array>): Promise<void> {
    // Both become file names here.
    parseContainerName(record.name);
    if (!isContainerId(record.id))
      throw new RuntimeError('ERR_INVALID_ARGUMENT', `invalid container id "${record.id}"`);
    await this.#io(this.root, () => mkdir(join(this.root, 'names'), { recursive: true }));
    await this.#claim(record.name, record.id);
    // Written aside, then renamed in whole: a reader sees the container complete or not at all.
    const temp = join(this.root, `.tmp-${record.id}`);
    try {
      await this.#io(temp, async () => {
        await mkdir(temp);
        await writeFile(join(temp, 'upper.tar'), upper);
        await writeFile(join(temp, 'record.json'), `${JSON.stringify(record, null, 2)}\n`);
        await rename(temp, this.#dir(record.id));
      });
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      await this.#release(record.name, record.id);
      throw error;
    }
  }

  async idOfName(name: string): Promise<string | undefined> {
    if (!isContainerName(name)) return undefined;
    const path = this.#namePath(name);
    try {
      return (await readFile(path, 'utf8')).trim();
    } catch (error) {
      if (isCode(error, 'ENOENT')) return undefined;
      throw hostIo(error, path);
    }
  }

  async get(id: string): Promise<ContainerRecord | undefined> {
    if (!isContainerId(id)) return undefined;
    const path = join(this.#dir(id), 'record.json');
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (isCode(error, 'ENOENT')) return undefined;
      throw hostIo(error, path);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new RuntimeError('ERR_HOST_IO', `${path}: damaged container record: ${(error as Error).message}`);
    }
    return parseRecord(value, path);
  }

  async list(): Promise<ContainerRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch (error) {
      if (isCode(error, 'ENOENT')) return [];
      throw hostIo(error, this.root);
    }
    const out: ContainerRecord[] = [];
    for (const id of names.filter(isContainerId)) {
      try {
        const record = await this.get(id);
        if (record) out.push(record);
      } catch (error) {
        // One damaged container must not hide the others.
        if (!(error instanceof RuntimeError)) throw error;
        this.onWarning?.(`${error.message}: skipped (wasmbox rm -f ${id} removes it)`);
      }
    }
    return out;
  }

  async *readUpper(id: string): AsyncIterable<Uint8Array> {
    const record = await this.get(id);
    if (!record) throw noSuchContainer(id);
    const path = await this.#upperPath(record);
    try {
      for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) yield chunk as Buffer;
    } catch (error) {
      if (isCode(error, 'ENOENT')) throw noSuchContainer(id);
      throw hostIo(error, path);
    }
  }

  async replaceUpper(id: string, upper: Iterable<Uint8Array>, info: ContainerRecord['upper']): Promise<void> {
    const record = await this.get(id);
    if (!record) throw noSuchContainer(id);
    const dir = this.#dir(id);
    const old = await this.#upperPath(record);
    const next = join(dir, upperFileName(info.digest));
    const temp = join(dir, `.record-${process.pid}.json`);
    try {
      await this.#io(dir, async () => {
        await writeFile(next, upper);
        await writeFile(temp, `${JSON.stringify({ ...record, upper: info }, null, 2)}\n`);
        await rename(temp, join(dir, 'record.json'));
      });
    } catch (error) {
      await rm(temp, { force: true });
      if (old !== next) await rm(next, { force: true });
      throw error;
    }
    if (old !== next) await rm(old, { force: true });
  }

  /** The file of the upper layer `record` names: `upper-<hex>.tar` once replaced, else `upper.tar`. */
  async #upperPath(record: ContainerRecord): Promise<string> {
    const named = join(this.#dir(record.id), upperFileName(record.upper.digest));
    return (await stat(named).catch(() => undefined)) ? named : join(this.#dir(record.id), 'upper.tar');
  }

  async remove(id: string): Promise<boolean> {
    let name: string | undefined;
    try {
      name = (await this.get(id))?.name;
      if (name === undefined) return false;
    } catch (error) {
      // A damaged record: the container still goes, and whatever names claim its id.
      if (!(error instanceof RuntimeError) || !(await stat(this.#dir(id)).catch(() => undefined)))
        throw error;
    }
    // Renamed away first: the container disappears at once, even if deleting its files fails.
    const trash = join(this.root, `.rm-${id}-${process.pid}`);
    try {
      await rename(this.#dir(id), trash);
    } catch (error) {
      if (isCode(error, 'ENOENT')) return false; // removed by another process meanwhile
      throw hostIo(error, this.#dir(id));
    }
    if (name !== undefined) await this.#release(name, id);
    else await this.#releaseAll(id);
    await this.#io(trash, () => rm(trash, { recursive: true, force: true }));
    return true;
  }

  #dir(id: string): string {
    return join(this.root, id);
  }

  #namePath(name: string): string {
    // Names are checked against docker's charset before they get here: no "/" and no "..".
    return join(this.root, 'names', name);
  }

  async #claim(name: string, id: string): Promise<void> {
    const path = this.#namePath(name);
    for (let attempt = 0; ; attempt++) {
      try {
        await writeFile(path, `${id}\n`, { flag: 'wx' });
        return;
      } catch (error) {
        if (!isCode(error, 'EEXIST')) throw hostIo(error, path);
      }
      const holder = await this.idOfName(name);
      if (holder === undefined && attempt < 3) continue; // released meanwhile
      if (holder === undefined) throw nameConflict(name, '(being removed)');
      if (attempt === 0 && !(await this.get(holder)) && (await this.#olderThan(path, staleClaimMs))) {
        await unlink(path).catch(() => {});
        continue;
      }
      throw nameConflict(name, holder);
    }
  }

  /** Drops the name claim if `id` still holds it. */
  async #release(name: string, id: string): Promise<void> {
    if ((await this.idOfName(name)) === id) await unlink(this.#namePath(name)).catch(() => {});
  }

  /** Drops every name claim holding `id` (its record, which names it, is unreadable). */
  async #releaseAll(id: string): Promise<void> {
    const names = await readdir(join(this.root, 'names')).catch(() => [] as string[]);
    for (const name of names) await this.#release(name, id);
  }

  async #olderThan(path: string, ms: number): Promise<boolean> {
    try {
      return this.now() - (await stat(path)).mtimeMs > ms;
    } catch {
      return false;
    }
  }

  async #io<T>(path: string, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      if (error instanceof RuntimeError) throw error;
      throw hostIo(error, path);
    }
  }
}
