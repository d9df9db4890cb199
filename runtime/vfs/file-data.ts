// Growable chunked byte storage for in-memory files: a write touches only the chunks it covers,
// so appending to a large file never copies what is already there.

const CHUNK_BITS = 16;
export const CHUNK_SIZE = 1 << CHUNK_BITS; // 64 KiB
const MIN_CAPACITY = 64;

export class FileData {
  /** Chunk i covers bytes [i*CHUNK_SIZE, (i+1)*CHUNK_SIZE); a missing chunk or the bytes past a
   * chunk's capacity read as zeros (holes). */
  private chunks: Array<Uint8Array | undefined> = [];
  /** Chunks this FileData may write in place; others are shared with a clone (copy-on-write). */
  private owned: boolean[] = [];
  private length = 0;

  get size(): number {
    return this.length;
  }

  read(dst: Uint8Array, pos: number): number {
    if (pos >= this.length) return 0;
    const n = Math.min(dst.length, this.length - pos);
    let done = 0;
    while (done < n) {
      const at = pos + done;
      const index = at >>> CHUNK_BITS;
      const offset = at & (CHUNK_SIZE - 1);
      const take = Math.min(n - done, CHUNK_SIZE - offset);
      const chunk = this.chunks[index];
      const have = chunk ? Math.max(0, Math.min(take, chunk.length - offset)) : 0;
      if (have > 0) dst.set(chunk!.subarray(offset, offset + have), done);
      if (have < take) dst.fill(0, done + have, done + take);
      done += take;
    }
    return n;
  }

  write(src: Uint8Array, pos: number): number {
    const n = src.length;
    let done = 0;
    while (done < n) {
      const at = pos + done;
      const index = at >>> CHUNK_BITS;
      const offset = at & (CHUNK_SIZE - 1);
      const take = Math.min(n - done, CHUNK_SIZE - offset);
      const chunk = this.ensure(index, offset + take);
      chunk.set(src.subarray(done, done + take), offset);
      done += take;
    }
    if (pos + n > this.length) this.length = pos + n;
    return n;
  }

  truncate(size: number): void {
    if (size < this.length) {
      const keep = Math.ceil(size / CHUNK_SIZE);
      this.chunks.length = Math.min(this.chunks.length, keep);
      const last = this.chunks[keep - 1];
      const offset = size & (CHUNK_SIZE - 1);
      // Zero the dropped tail so a later extension reads zeros, as POSIX requires.
      if (last && offset > 0 && offset < last.length) this.ensure(keep - 1, last.length).fill(0, offset);
    }
    this.length = size;
  }

  /** A copy that shares nothing with this one (copy-up of a lower-layer file). */
  clone(): FileData {
    const copy = new FileData();
    copy.chunks = this.chunks.map((c) => (c ? c.slice() : undefined));
    copy.owned = copy.chunks.map(() => true);
    copy.length = this.length;
    return copy;
  }

  /** A copy that shares every chunk with this one until either side writes to it: the cheap
   * copy-up of a lower-layer file. Neither side can ever change what the other reads. */
  cloneShared(): FileData {
    const copy = new FileData();
    copy.chunks = this.chunks.slice();
    copy.length = this.length;
    this.owned = [];
    return copy;
  }

  private ensure(index: number, needed: number): Uint8Array {
    const chunk = this.chunks[index];
    if (chunk && chunk.length >= needed && this.owned[index]) return chunk;
    const capacity = Math.min(
      CHUNK_SIZE,
      Math.max(needed, MIN_CAPACITY, chunk ? (chunk.length >= needed ? chunk.length : chunk.length * 2) : 0),
    );
    const grown = new Uint8Array(capacity);
    if (chunk) grown.set(chunk);
    while (this.chunks.length < index) this.chunks.push(undefined);
    this.chunks[index] = grown;
    this.owned[index] = true;
    return grown;
  }
}
