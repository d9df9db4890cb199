// The browser entry of wasmbox: the kernel and engine with no node:* anywhere in its graph.

export { buildRootfs, type MountSpec, type Rootfs, type RootfsSpec } from './container/rootfs.js';
export { type Clock, systemClock } from './core/clock.js';
export { detectWasm, type WasmKind } from './engine/detect.js';
export { type ExecOptions, type ExecResult, execWasm } from './engine/exec.js';
export { checkModule, type RunResult, runModule, TRAP_STATUS } from './engine/run.js';
export { type ErrorCode, ErrorCodes, isRuntimeError, RuntimeError } from './errors.js';
export { MemDir, MemFile, MemFs, MemSymlink } from './vfs/mem.js';
export type { DirNode, FileHandle, FileNode, NodeStat, SymlinkNode, VNode } from './vfs/types.js';
export { FsError } from './vfs/types.js';
export { type KernelOptions, type Preopen, Preview1 } from './wasi/preview1.js';
export {
  type ByteSink,
  type ByteSource,
  bytesSource,
  CollectSink,
  callbackSink,
  discardSink,
  emptySource,
} from './wasi/stdio.js';
