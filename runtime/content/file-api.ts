// The few file operations the OCI layout store needs, injected so the store itself stays free of
// Node APIs (Node: platform/node/file-api.ts; a browser could back it with OPFS). Paths use '/'.

export interface FileSink {
  /** True when `write` is done with its chunk once it resolves (it copies): the caller may reuse it. */
  readonly copies?: boolean;
  write(chunk: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export interface FileApi {
  /** The whole file, or undefined when it does not exist. */
  read(path: string): Promise<Uint8Array | undefined>;
  readChunks(path: string): AsyncIterable<Uint8Array>;
  /** Size and modification time, or undefined when missing. */
  stat(path: string): Promise<{ size: number; mtimeMs: number } | undefined>;
  /** Creates the file only if it does not exist yet; false when it did (used as a lock). */
  createExclusive(path: string, data: Uint8Array): Promise<boolean>;
  /**
   * Creates or truncates the file and returns a sink that appends to it; with `append`, keeps
   * what the file holds (creating it when missing) and appends after it.
   */
  create(path: string, options?: { append?: boolean }): Promise<FileSink>;
  /** Atomic replace (POSIX rename). */
  rename(from: string, to: string): Promise<void>;
  /** No error when missing. */
  remove(path: string): Promise<void>;
  mkdirp(path: string): Promise<void>;
  /** Entry names of a directory; [] when missing. */
  list(dir: string): Promise<string[]>;
}
