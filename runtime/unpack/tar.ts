// A streaming tar reader: ustar, GNU (long names, base-256 numbers) and pax headers; checksums
// verified; an archive may end with end-of-archive blocks, one lone zero block, or nothing.

import { layerError } from './errors.js';

export type TarEntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';

export interface TarEntry {
  /** The member name, with pax `path` or a GNU long name applied. */
  name: string;
  type: TarEntryType;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  /** Nanoseconds since the epoch. */
  mtime: bigint;
  atime: bigint | undefined;
  linkname: string;
  /** The file's bytes, in pieces that are only valid until the next piece is asked for. An
   * entry whose body is not read is skipped when the next entry is asked for. */
  body: AsyncIterable<Uint8Array>;
}

export interface TarOptions {
  digest: string;
  /** Most archive bytes to read (headers, bodies and padding). */
  maxBytes: number;
}

const BLOCK = 512;
/** Bound on a pax extended header or GNU long name: real ones are a few hundred bytes. */
const MAX_META = 1 << 20;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** Pulls exact byte counts out of a chunk stream, counting what it consumed. */
class ByteReader {
  consumed = 0;
  private head: Uint8Array = new Uint8Array(0);
  private done = false;

  constructor(private readonly input: AsyncIterator<Uint8Array>) {}

  /** Up to `n` bytes as they lie in the current chunk; an empty array at the end of input. */
  async piece(n: number): Promise<Uint8Array> {
    while (this.head.length === 0) {
      if (this.done) return this.head;
      const next = await this.input.next();
      if (next.done) {
        this.done = true;
        return this.head;
      }
      this.head = next.value;
    }
    const take = Math.min(n, this.head.length);
    const out = this.head.subarray(0, take);
    this.head = this.head.subarray(take);
    this.consumed += take;
    return out;
  }

  /** Exactly `n` bytes, or fewer when the input ends first. */
  async exact(n: number): Promise<Uint8Array> {
    const first = await this.piece(n);
    if (first.length === n || first.length === 0) return first;
    const out = new Uint8Array(n);
    out.set(first);
    let at = first.length;
    while (at < n) {
      const more = await this.piece(n - at);
      if (more.length === 0) return out.subarray(0, at);
      out.set(more, at);
      at += more.length;
    }
    return out;
  }

  async skip(n: number): Promise<number> {
    let left = n;
    while (left > 0) {
      const more = await this.piece(left);
      if (more.length === 0) break;
      left -= more.length;
    }
    return n - left;
  }
}

interface Pending {
  path?: string;
  linkpath?: string;
  size?: number;
  mtime?: bigint;
  atime?: bigint;
  uid?: number;
  gid?: number;
}

/** Yields the entries of a tar stream; metadata headers (pax, GNU long names) are applied to the
 * entry that follows them and not yielded. Device, fifo and unknown types are yielded or refused
 * by the caller; unknown type flags are refused here. */
export async function* readTar(
  chunks: AsyncIterable<Uint8Array>,
  options: TarOptions,
): AsyncGenerator<TarEntry> {
  const { digest } = options;
  const iterator = chunks[Symbol.asyncIterator]();
  const reader = new ByteReader(iterator);
  let pending: Pending = {};
  let previous: string | undefined;
  const where = () => (previous === undefined ? 'the first header' : `the header after "${previous}"`);
  try {
    for (;;) {
      const header = await reader.exact(BLOCK);
      if (header.length === 0) return; // no end-of-archive blocks: accepted
      if (header.length < BLOCK)
        layerError('ERR_LAYER_INVALID', digest, undefined, `truncated in ${where()}`);
      // A zero block ends the archive; GNU tar also stops at a lone one.
      if (isZero(header)) return;
      if (!checksumOk(header)) {
        layerError('ERR_LAYER_INVALID', digest, undefined, `bad header checksum in ${where()}`);
      }
      const flag = String.fromCharCode(header[156]!);
      const meta = flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K';
      const ustar = ascii(header, 257, 6) === 'ustar';
      const prefix = ustar && header[263] === 0x30 ? text(header, 345, 155) : '';
      const rawName = text(header, 0, 100);
      const name =
        !meta && pending.path !== undefined ? pending.path : prefix ? `${prefix}/${rawName}` : rawName;
      const size =
        !meta && pending.size !== undefined ? pending.size : numeric(header, 124, 12, digest, name, 'size');
      const padded = Math.ceil(size / BLOCK) * BLOCK;
      if (reader.consumed + padded > options.maxBytes) {
        layerError(
          'ERR_LAYER_LIMIT',
          digest,
          name,
          `the layer is larger than the limit of ${options.maxBytes} bytes`,
        );
      }

      if (meta) {
        if (size > MAX_META) layerError('ERR_LAYER_LIMIT', digest, name, `a ${size}-byte metadata header`);
        const data = await reader.exact(size);
        if (data.length < size) layerError('ERR_LAYER_INVALID', digest, name, 'truncated metadata header');
        await reader.skip(padded - size);
        // Global pax headers only carry defaults nobody relies on for layers: ignored.
        if (flag === 'x') Object.assign(pending, parsePax(data, digest, name));
        else if (flag === 'L') pending.path = text(data, 0, data.length);
        else if (flag === 'K') pending.linkpath = text(data, 0, data.length);
        continue;
      }

      const type = entryType(flag, name, digest);
      const mtime = pending.mtime ?? BigInt(numeric(header, 136, 12, digest, name, 'mtime')) * 1_000_000_000n;
      const entry: TarEntry = {
        name,
        // Old tars mark directories only by the trailing slash.
        type: type === 'file' && name.endsWith('/') ? 'dir' : type,
        size: type === 'file' ? size : 0,
        mode: numeric(header, 100, 8, digest, name, 'mode') & 0o7777,
        uid: pending.uid ?? numeric(header, 108, 8, digest, name, 'uid'),
        gid: pending.gid ?? numeric(header, 116, 8, digest, name, 'gid'),
        mtime,
        atime: pending.atime,
        linkname: pending.linkpath ?? text(header, 157, 100),
        body: emptyBody,
      };
      pending = {};
      previous = name;
      let left = size;
      if (entry.type === 'file') {
        entry.body = {
          async *[Symbol.asyncIterator]() {
            while (left > 0) {
              const piece = await reader.piece(left);
              if (piece.length === 0) layerError('ERR_LAYER_INVALID', digest, name, 'truncated file data');
              left -= piece.length;
              yield piece;
            }
          },
        };
      }
      yield entry;
      // Whatever the consumer did not read (or a body a non-file entry carries) is skipped.
      if (left > 0 && (await reader.skip(left)) < left) {
        layerError('ERR_LAYER_INVALID', digest, name, 'truncated file data');
      }
      // Padding missing at the very end is tolerated, like missing end-of-archive blocks.
      await reader.skip(padded - size);
    }
  } finally {
    await iterator.return?.();
  }
}

const emptyBody: AsyncIterable<Uint8Array> = {
  async *[Symbol.asyncIterator]() {},
};

function entryType(flag: string, name: string, digest: string): TarEntryType {
  switch (flag) {
    case '0':
    case '\0':
    case '7':
      return 'file';
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '3':
      return 'char';
    case '4':
      return 'block';
    case '5':
      return 'dir';
    case '6':
      return 'fifo';
    default:
      return layerError('ERR_LAYER_INVALID', digest, name, `unsupported tar entry type '${printable(flag)}'`);
  }
}

function printable(flag: string): string {
  const code = flag.charCodeAt(0);
  return code >= 0x20 && code < 0x7f ? flag : `\\x${code.toString(16).padStart(2, '0')}`;
}

function isZero(block: Uint8Array): boolean {
  for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false;
  return true;
}

/** Accepts the unsigned sum (the standard) and the signed one (some old tars). */
function checksumOk(header: Uint8Array): boolean {
  const stored = Number.parseInt(ascii(header, 148, 8).trim() || 'x', 8);
  if (Number.isNaN(stored)) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : header[i]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed;
}

/** An octal field, or a GNU base-256 one (high bit set); refuses what is not a safe integer. */
function numeric(
  header: Uint8Array,
  at: number,
  length: number,
  digest: string,
  name: string,
  field: string,
): number {
  const first = header[at]!;
  if (first & 0x80) {
    if (first === 0xff) layerError('ERR_LAYER_INVALID', digest, name, `negative ${field}`);
    let value = first & 0x7f;
    for (let i = 1; i < length; i++) {
      value = value * 256 + header[at + i]!;
      if (value > Number.MAX_SAFE_INTEGER) layerError('ERR_LAYER_LIMIT', digest, name, `${field} too large`);
    }
    return value;
  }
  const digits = ascii(header, at, length)
    .replace(/[\s\0]+$/, '')
    .replace(/^\s+/, '');
  if (digits === '') return 0;
  if (!/^[0-7]+$/.test(digits)) layerError('ERR_LAYER_INVALID', digest, name, `malformed ${field} field`);
  const value = Number.parseInt(digits, 8);
  if (value > Number.MAX_SAFE_INTEGER) layerError('ERR_LAYER_LIMIT', digest, name, `${field} too large`);
  return value;
}

function parsePax(data: Uint8Array, digest: string, name: string): Pending {
  const out: Pending = {};
  let at = 0;
  while (at < data.length) {
    let space = at;
    while (space < data.length && data[space] !== 0x20) space++;
    const length = Number.parseInt(ascii(data, at, space - at), 10);
    if (!Number.isSafeInteger(length) || length <= space - at || at + length > data.length) {
      if (data.subarray(at).every((b) => b === 0)) break; // NUL padding after the records
      layerError('ERR_LAYER_INVALID', digest, name, 'malformed pax header');
    }
    const record = text(data, space + 1, at + length - space - 2);
    const eq = record.indexOf('=');
    if (eq < 0) layerError('ERR_LAYER_INVALID', digest, name, 'malformed pax record');
    const key = record.slice(0, eq);
    const value = record.slice(eq + 1);
    switch (key) {
      case 'path':
        out.path = value;
        break;
      case 'linkpath':
        out.linkpath = value;
        break;
      case 'size':
        out.size = paxInteger(value, digest, name, key);
        break;
      case 'uid':
        out.uid = paxInteger(value, digest, name, key);
        break;
      case 'gid':
        out.gid = paxInteger(value, digest, name, key);
        break;
      case 'mtime':
        out.mtime = paxTime(value, digest, name, key);
        break;
      case 'atime':
        out.atime = paxTime(value, digest, name, key);
        break;
    }
    at += length;
  }
  return out;
}

function paxInteger(value: string, digest: string, name: string, key: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n)) layerError('ERR_LAYER_INVALID', digest, name, `bad pax ${key} "${value}"`);
  return n;
}

/** "seconds[.fraction]" to nanoseconds. */
function paxTime(value: string, digest: string, name: string, key: string): bigint {
  const m = /^(-?\d+)(?:\.(\d+))?$/.exec(value);
  if (!m) return layerError('ERR_LAYER_INVALID', digest, name, `bad pax ${key} "${value}"`);
  const fraction = BigInt((m[2] ?? '').slice(0, 9).padEnd(9, '0'));
  const seconds = BigInt(m[1]!);
  return seconds * 1_000_000_000n + (m[1]!.startsWith('-') ? -fraction : fraction);
}

/** A NUL-terminated string field: UTF-8 when valid, else Latin-1 (old tars). */
function text(bytes: Uint8Array, at: number, length: number): string {
  let end = at;
  const limit = at + length;
  while (end < limit && bytes[end] !== 0) end++;
  const raw = bytes.subarray(at, end);
  try {
    return utf8.decode(raw);
  } catch {
    return latin1.decode(raw);
  }
}

function ascii(bytes: Uint8Array, at: number, length: number): string {
  let out = '';
  for (let i = at; i < at + length; i++) {
    const b = bytes[i]!;
    if (b === 0) break;
    out += String.fromCharCode(b);
  }
  return out;
}
