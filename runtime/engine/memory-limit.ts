// Reads and clamps the memory limits declared in a core module's binary (`--memory`): the only way
// to cap a memory the module defines itself, since the engine takes its maximum from the binary.

import { concatBytes as concat } from '../core/bytes.js';
import { RuntimeError } from '../errors.js';

/** Bytes per WebAssembly page. */
export const WASM_PAGE = 65536;

const SECTION_IMPORT = 2;
const SECTION_MEMORY = 5;

/** A memory as the module declares it (sizes in pages). */
export interface MemoryDecl {
  /** Set for an imported memory: where the module expects it. */
  import?: { module: string; name: string };
  initial: number;
  maximum?: number;
  shared: boolean;
  memory64: boolean;
}

function malformed(detail: string): RuntimeError {
  return new RuntimeError('ERR_COMPILE', `malformed WebAssembly module: ${detail}`);
}

class Reader {
  at = 0;
  constructor(
    readonly bytes: Uint8Array,
    readonly end = bytes.length,
  ) {}

  byte(): number {
    if (this.at >= this.end) throw malformed('unexpected end');
    return this.bytes[this.at++]!;
  }

  /** An unsigned LEB128 of up to 64 bits, as a number (exact below 2^53: page counts are). */
  uleb(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    throw malformed('LEB128 too long');
  }

  skip(n: number): void {
    if (this.at + n > this.end) throw malformed('unexpected end');
    this.at += n;
  }

  name(): string {
    const len = this.uleb();
    const start = this.at;
    this.skip(len);
    return new TextDecoder().decode(this.bytes.subarray(start, this.at));
  }
}

function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) b |= 0x80;
    out.push(b);
  } while (v > 0);
  return out;
}

interface Limits {
  initial: number;
  maximum?: number;
  shared: boolean;
  memory64: boolean;
}

function readLimits(r: Reader): Limits {
  const flags = r.byte();
  if (flags > 0x07) throw malformed(`memory limits flags 0x${flags.toString(16)}`);
  const initial = r.uleb();
  const maximum = flags & 0x01 ? r.uleb() : undefined;
  return {
    initial,
    ...(maximum === undefined ? {} : { maximum }),
    shared: !!(flags & 0x02),
    memory64: !!(flags & 0x04),
  };
}

function writeLimits(limits: Limits): number[] {
  const flags =
    (limits.maximum === undefined ? 0 : 0x01) | (limits.shared ? 0x02 : 0) | (limits.memory64 ? 0x04 : 0);
  return [flags, ...uleb(limits.initial), ...(limits.maximum === undefined ? [] : uleb(limits.maximum))];
}

function skipTableType(r: Reader): void {
  r.byte(); // reference type
  const flags = r.byte();
  r.uleb();
  if (flags & 0x01) r.uleb();
}

/** Where each memory's limits sit in the binary, plus what they say. */
interface Found {
  decl: MemoryDecl;
  /** Byte range of the limits in the binary. */
  start: number;
  end: number;
}

interface Section {
  id: number;
  /** Content range (after the id and size). */
  start: number;
  end: number;
  /** Start of the section header (the id byte). */
  headerStart: number;
}

function sections(bytes: Uint8Array): Section[] {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new RuntimeError('ERR_NOT_WASM', 'not a WebAssembly binary (bad magic number)');
  }
  if (bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) {
    throw new RuntimeError('ERR_NOT_SUPPORTED', 'memory limits apply to core modules only, not components');
  }
  const r = new Reader(bytes);
  r.at = 8;
  const out: Section[] = [];
  while (r.at < bytes.length) {
    const headerStart = r.at;
    const id = r.byte();
    const size = r.uleb();
    const start = r.at;
    r.skip(size);
    out.push({ id, start, end: r.at, headerStart });
  }
  return out;
}

function findMemories(bytes: Uint8Array, list: Section[]): Found[] {
  const found: Found[] = [];
  for (const s of list) {
    const r = new Reader(bytes, s.end);
    r.at = s.start;
    if (s.id === SECTION_IMPORT) {
      for (let n = r.uleb(); n > 0; n--) {
        const module = r.name();
        const name = r.name();
        const kind = r.byte();
        if (kind === 0x00) r.uleb();
        else if (kind === 0x01) skipTableType(r);
        else if (kind === 0x03) r.skip(2);
        else if (kind === 0x04) {
          r.byte();
          r.uleb();
        } else if (kind === 0x02) {
          const start = r.at;
          const limits = readLimits(r);
          found.push({ decl: { import: { module, name }, ...limits }, start, end: r.at });
        } else throw malformed(`import kind 0x${kind.toString(16)}`);
      }
    } else if (s.id === SECTION_MEMORY) {
      for (let n = r.uleb(); n > 0; n--) {
        const start = r.at;
        found.push({ decl: readLimits(r), start, end: r.at });
      }
    }
  }
  return found;
}

/** Every memory the module imports or defines, in index order (imports first). */
export function readMemories(bytes: Uint8Array): MemoryDecl[] {
  return findMemories(bytes, sections(bytes)).map((f) => f.decl);
}

/**
 * Returns a copy of `bytes` in which every memory, imported or defined, has a maximum of at most
 * `maxPages`, so a `memory.grow` past it fails (-1) instead of growing. Refuses a module whose
 * initial size is already above the cap: it could never start.
 */
export function limitMemory(bytes: Uint8Array, maxPages: number): Uint8Array {
  if (!Number.isInteger(maxPages) || maxPages < 0) {
    throw new RuntimeError('ERR_INVALID_ARGUMENT', `invalid memory limit: ${maxPages} pages`);
  }
  const list = sections(bytes);
  const found = findMemories(bytes, list);
  for (const f of found) {
    if (f.decl.initial > maxPages) {
      throw new RuntimeError(
        'ERR_CANNOT_START',
        `the module needs ${f.decl.initial * (WASM_PAGE / 1024)} KiB of memory at start, more than the limit of ${maxPages * (WASM_PAGE / 1024)} KiB`,
      );
    }
  }
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  for (const s of list) {
    const inside = found.filter((f) => f.start >= s.start && f.end <= s.end);
    if (inside.length === 0) {
      parts.push(bytes.subarray(s.headerStart, s.end));
      continue;
    }
    const body: Uint8Array[] = [];
    let at = s.start;
    for (const f of inside) {
      body.push(bytes.subarray(at, f.start));
      const maximum = Math.min(f.decl.maximum ?? maxPages, maxPages);
      body.push(Uint8Array.from(writeLimits({ ...f.decl, maximum })));
      at = f.end;
    }
    body.push(bytes.subarray(at, s.end));
    const size = body.reduce((n, b) => n + b.length, 0);
    parts.push(Uint8Array.from([s.id, ...uleb(size)]), ...body);
  }
  return concat(parts);
}

/** The page cap for a byte limit: whole pages that fit in it. */
export function pagesFor(bytes: number): number {
  return Math.floor(bytes / WASM_PAGE);
}
