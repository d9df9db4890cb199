// Node's cache of transpiled components: one directory per component digest under
// $WASMBOX_HOME/components (the generated ES module, its core modules, meta.json), written to
// a temp directory and renamed in whole, so a reader never sees half an entry.

import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type ComponentCache, loadTranspiled, type TranspiledComponent } from '../../component/cache.js';
import { TRANSPILE_FORMAT, type TranspileOutput } from '../../component/transpile.js';
import { type Digest, digestHex } from '../../core/digest.js';
import { RuntimeError } from '../../errors.js';
import { wasmboxHome } from './images.js';

interface Meta {
  format: string;
  cores: string[];
  imports: string[];
  exports: string[];
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*\.wasm$/;
const JS_FILE = 'component.js';

export class NodeComponentCache implements ComponentCache {
  readonly #dir: string;
  /** Loaded entries of this process: a module is imported and its cores compiled once. */
  readonly #loaded = new Map<Digest, Promise<TranspiledComponent>>();

  constructor(dir: string) {
    this.#dir = dir;
  }

  get dir(): string {
    return this.#dir;
  }

  async get(digest: Digest): Promise<TranspiledComponent | undefined> {
    const loaded = this.#loaded.get(digest);
    if (loaded) return loaded;
    const entry = join(this.#dir, digestHex(digest));
    let meta: Meta;
    try {
      meta = JSON.parse(await readFile(join(entry, 'meta.json'), 'utf8')) as Meta;
    } catch {
      return undefined;
    }
    // Another jco or another set of options made this entry: transpile again.
    if (meta.format !== TRANSPILE_FORMAT || !meta.cores.every((n) => SAFE_NAME.test(n))) return undefined;
    try {
      return await this.#load(digest, entry, meta);
    } catch {
      return undefined;
    }
  }

  async put(digest: Digest, output: TranspileOutput): Promise<TranspiledComponent> {
    const meta: Meta = {
      format: TRANSPILE_FORMAT,
      cores: Object.keys(output.cores),
      imports: output.imports,
      exports: output.exports,
    };
    for (const name of meta.cores) {
      if (!SAFE_NAME.test(name)) throw new RuntimeError('ERR_COMPILE', `unexpected core module name ${name}`);
    }
    const entry = join(this.#dir, digestHex(digest));
    const temp = `${entry}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    try {
      await mkdir(temp, { recursive: true });
      await writeFile(join(temp, JS_FILE), output.js);
      for (const name of meta.cores) await writeFile(join(temp, name), output.cores[name]!);
      await writeFile(join(temp, 'meta.json'), JSON.stringify(meta));
      await rename(temp, entry).catch(async (error: NodeJS.ErrnoException) => {
        // Another run stored the same digest first: theirs is as good as ours.
        if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
      });
    } catch (error) {
      throw new RuntimeError(
        'ERR_HOST_IO',
        `cannot write the component cache ${this.#dir}: ${(error as Error).message}`,
      );
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
    return this.#load(digest, entry, meta, output.cores);
  }

  #load(
    digest: Digest,
    entry: string,
    meta: Meta,
    cores?: Record<string, Uint8Array>,
  ): Promise<TranspiledComponent> {
    const loading = (async () => {
      const bytes: Record<string, Uint8Array> = {};
      for (const name of meta.cores) bytes[name] = cores?.[name] ?? (await readFile(join(entry, name)));
      // Kept with the entry: an isolation driver posts it to workers and caps its cores' memory.
      const js = await readFile(join(entry, JS_FILE));
      const output = { js, cores: bytes, imports: meta.imports, exports: meta.exports };
      return loadTranspiled(
        output,
        () => import(/* @vite-ignore */ pathToFileURL(join(entry, JS_FILE)).href),
      );
    })();
    this.#loaded.set(digest, loading);
    loading.catch(() => this.#loaded.delete(digest));
    return loading;
  }
}

/** The cache under `$WASMBOX_HOME/components` (default: the XDG cache dir). */
export function nodeComponentCache(env: Record<string, string | undefined>): NodeComponentCache {
  return new NodeComponentCache(join(wasmboxHome(env), 'components'));
}
