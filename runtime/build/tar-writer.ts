// A deterministic tar writer (ustar, with pax records for long or non-ASCII names): the bytes
// depend only on the entries given, never on the clock, the host user or the host's file order.

export type TarWriteEntry =
  | { type: 'file'; path: string; mode: number; size: number; mtime: number }
  | { type: 'dir'; path: string; mode: number; mtime: number }
  | { type: 'symlink' | 'hardlink'; path: string; target: string; mode: number; mtime: number };

const BLOCK = 512;
const encoder = new TextEncoder();

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function isPlainAscii(text: string): boolean {
  return /^[\x20-\x7e]*$/.test(text);
}

/** Splits a name into ustar's prefix (≤155 bytes) and name (≤100 bytes), if it can be. */
function splitUstar(name: string): [string, string] | undefined {
  if (name.length <= 100) return ['', name];
  for (let i = name.length - 1; i > 0; i--) {
    if (name[i] === '/' && i <= 155 && name.length - i - 1 <= 100 && name.length - i - 1 > 0) {
      return [name.slice(0, i), name.slice(i + 1)];
    }
  }
  return undefined;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = encoder.encode(body).length;
  let digits = String(length).length;
  while (String(length + digits).length !== digits) digits++;
  length += digits;
  return `${length}${body}`;
}

function header(fields: {
  name: string;
  prefix: string;
  mode: number;
  size: number;
  mtime: number;
  type: string;
  linkname: string;
}): Uint8Array {
  const block = new Uint8Array(BLOCK);
  const put = (text: string, at: number, width: number) => {
    const bytes = encoder.encode(text);
    block.set(bytes.subarray(0, width), at);
  };
  put(fields.name, 0, 100);
  put(octal(fields.mode, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(fields.size, 12), 124, 12);
  put(octal(fields.mtime, 12), 136, 12);
  put('        ', 148, 8);
  put(fields.type, 156, 1);
  put(fields.linkname, 157, 100);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  put(octal(0, 8), 329, 8);
  put(octal(0, 8), 337, 8);
  put(fields.prefix, 345, 155);
  let sum = 0;
  for (const byte of block) sum += byte;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return block;
}

/** Zero bytes that pad `size` to a whole block. */
export function tarPadding(size: number): Uint8Array {
  return new Uint8Array((BLOCK - (size % BLOCK)) % BLOCK);
}

/** The end-of-archive marker: two zero blocks. */
export const tarTrailer: Uint8Array = new Uint8Array(BLOCK * 2);

/** The header block(s) of one entry: a pax header first when ustar cannot hold the names. */
export function tarHeader(entry: TarWriteEntry): Uint8Array[] {
  const name = entry.type === 'dir' ? `${entry.path}/` : entry.path;
  const linkname = entry.type === 'symlink' || entry.type === 'hardlink' ? entry.target : '';
  const size = entry.type === 'file' ? entry.size : 0;
  const split = isPlainAscii(name) ? splitUstar(name) : undefined;
  const linkFits = isPlainAscii(linkname) && linkname.length <= 100;
  const blocks: Uint8Array[] = [];
  if (!split || !linkFits || size > 0o77777777777) {
    let pax = '';
    if (!split) pax += paxRecord('path', name);
    if (!linkFits) pax += paxRecord('linkpath', linkname);
    if (size > 0o77777777777) pax += paxRecord('size', String(size));
    const data = encoder.encode(pax);
    blocks.push(
      header({
        name: `PaxHeaders/${name.replace(/[^\x20-\x7e]/g, '_').slice(-80)}`,
        prefix: '',
        mode: 0o644,
        size: data.length,
        mtime: entry.mtime,
        type: 'x',
        linkname: '',
      }),
      data,
      tarPadding(data.length),
    );
  }
  const [prefix, short] = split ?? ['', name.replace(/[^\x20-\x7e]/g, '_').slice(-100)];
  const type = { file: '0', dir: '5', symlink: '2', hardlink: '1' }[entry.type];
  blocks.push(
    header({
      name: short,
      prefix,
      mode: entry.mode & 0o7777,
      size: size > 0o77777777777 ? 0 : size,
      mtime: entry.mtime,
      type,
      linkname: linkFits ? linkname : '',
    }),
  );
  return blocks;
}
