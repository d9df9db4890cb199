;; Writes "before the trap\n" to /partial.txt, then traps: its writable layer still comes back.
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "partial.txt")
  (data (i32.const 32) "before the trap\n")
  (func (export "_start")
    ;; fd 3 is the root preopen; oflags 9 = O_CREAT | O_TRUNC; rights 64 = fd_write
    (if (call $path_open (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 11) (i32.const 9)
          (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 200))
      (then unreachable))
    (i32.store (i32.const 208) (i32.const 32))
    (i32.store (i32.const 212) (i32.const 16))
    (drop (call $fd_write (i32.load (i32.const 200)) (i32.const 208) (i32.const 1) (i32.const 216)))
    unreachable))
