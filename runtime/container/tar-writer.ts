// Writes tar members (ustar headers, with a pax header when a name, size, owner or time does not
// fit): what export-upper.ts turns a container's writable layer into.

const BLOCK = 512;
const encoder = new TextEncoder();
const MAX_OCTAL_11 = 0o77777777777;
const MAX_OCTAL_7 = 0o7777777;

export interface TarHeader {
  /** Member name, relative ("etc/motd", "data/"). */
  name: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink';
  mode: number;
  uid: number;
  gid: number;
  /** Nanoseconds since the epoch; kept exactly through pax `mtime`/`atime` when not whole seconds. */
  mtime: bigint;
  atime?: bigint;
  /** File size (0 for other types). */
  size?: number;
  /** Symlink target or hard link target member name. */
  linkname?: string;
}

const TYPE_FLAG = { file: '0', hardlink: '1', symlink: '2', dir: '5' } as const;

/** The header blocks of one member: a pax header first when needed, then the ustar header. */
export function tarHeader(header: TarHeader): Uint8Array {
  const size = header.type === 'file' ? (header.size ?? 0) : 0;
  const name = encoder.encode(header.name);
  const link = encoder.encode(header.linkname ?? '');
  const pax: Array<[string, string]> = [];
  if (name.length > 100 || !isAscii(header.name)) pax.push(['path', header.name]);
  if (link.length > 100 || !isAscii(header.linkname ?? '')) pax.push(['linkpath', header.linkname ?? '']);
  if (size > MAX_OCTAL_11) pax.push(['size', String(size)]);
  if (header.uid > MAX_OCTAL_7) pax.push(['uid', String(header.uid)]);
  if (header.gid > MAX_OCTAL_7) pax.push(['gid', String(header.gid)]);
  const seconds = floorDiv(header.mtime, 1_000_000_000n);
  if (header.mtime % 1_000_000_000n !== 0n || seconds < 0n || seconds > BigInt(MAX_OCTAL_11)) {
    pax.push(['mtime', paxTime(header.mtime)]);
  }
  if (header.atime !== undefined && header.atime !== header.mtime) pax.push(['atime', paxTime(header.atime)]);

  const block = ustar({
    name: pax.some(([k]) => k === 'path') ? truncated(name) : name,
    link: pax.some(([k]) => k === 'linkpath') ? truncated(link) : link,
    mode: header.mode & 0o7777,
    uid: Math.min(header.uid, MAX_OCTAL_7),
    gid: Math.min(header.gid, MAX_OCTAL_7),
    size: Math.min(size, MAX_OCTAL_11),
    mtime: Number(seconds < 0n ? 0n : seconds > BigInt(MAX_OCTAL_11) ? BigInt(MAX_OCTAL_11) : seconds),
    flag: TYPE_FLAG[header.type],
  });
  if (pax.length === 0) return block;
  const body = paxRecords(pax);
  const paxHeader = ustar({
    name: truncated(encoder.encode(`PaxHeaders/${header.name}`)),
    link: new Uint8Array(0),
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: body.length,
    mtime: 0,
    flag: 'x',
  });
  const out = new Uint8Array(BLOCK + padded(body.length) + BLOCK);
  out.set(paxHeader, 0);
  out.set(body, BLOCK);
  out.set(block, BLOCK + padded(body.length));
  return out;
}

/** Zero bytes that complete a member body of `size` bytes to a whole block. */
export function tarPadding(size: number): Uint8Array {
  return new Uint8Array(padded(size) - size);
}

/** The two zero blocks that end an archive. */
export function tarEnd(): Uint8Array {
  return new Uint8Array(2 * BLOCK);
}

function padded(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

interface Fields {
  name: Uint8Array;
  link: Uint8Array;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  flag: string;
}

function ustar(f: Fields): Uint8Array {
  const h = new Uint8Array(BLOCK);
  h.set(f.name.subarray(0, 100), 0);
  octal(h, 100, 8, f.mode);
  octal(h, 108, 8, f.uid);
  octal(h, 116, 8, f.gid);
  octal(h, 124, 12, f.size);
  octal(h, 136, 12, f.mtime);
  h[156] = f.flag.charCodeAt(0);
  h.set(f.link.subarray(0, 100), 157);
  h.set(encoder.encode('ustar\u0000'), 257);
  h.set(encoder.encode('00'), 263);
  // The checksum is computed with its own field as eight spaces.
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of h) sum += byte;
  h.set(encoder.encode(`${sum.toString(8).padStart(6, '0')}\u0000 `), 148);
  return h;
}

function octal(h: Uint8Array, at: number, length: number, value: number): void {
  h.set(encoder.encode(`${value.toString(8).padStart(length - 1, '0')}\u0000`), at);
}

/** "%d %s=%s\n" records, where the leading length counts the whole record including itself. */
function paxRecords(records: Array<[string, string]>): Uint8Array {
  let text = '';
  for (const [key, value] of records) {
    const rest = ` ${key}=${value}\n`;
    const restLength = encoder.encode(rest).length;
    let length = restLength + 1;
    while (String(length).length + restLength > length) length++;
    text += `${length}${rest}`;
  }
  return encoder.encode(text);
}

function paxTime(ns: bigint): string {
  const seconds = floorDiv(ns, 1_000_000_000n);
  const fraction = ns - seconds * 1_000_000_000n;
  if (fraction === 0n) return String(seconds);
  // pax writes a time before the epoch as a minus sign and its magnitude ("-1.5" is -1.5 s).
  if (ns < 0n) {
    const magnitude = -ns;
    return `-${magnitude / 1_000_000_000n}.${String(magnitude % 1_000_000_000n).padStart(9, '0')}`;
  }
  return `${seconds}.${String(fraction).padStart(9, '0')}`;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

function truncated(bytes: Uint8Array): Uint8Array {
  return bytes.subarray(0, 100);
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7e) return false;
  return true;
}
