;; Writes "written by the guest\n" to /out.txt (preopen fd 3 is the container root), exits 0.
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "out.txt")
  (data (i32.const 32) "written by the guest\n")
  (func (export "_start")
    (local $r i32)
    ;; oflags CREAT|TRUNC, rights FD_READ|FD_WRITE; the new fd lands at address 8.
    (local.set $r (call $path_open (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 7)
      (i32.const 9) (i64.const 0x42) (i64.const 0) (i32.const 0) (i32.const 8)))
    (if (local.get $r) (then (call $exit (i32.add (i32.const 10) (local.get $r)))))
    (i32.store (i32.const 64) (i32.const 32))
    (i32.store (i32.const 68) (i32.const 21))
    (call $exit (call $fd_write (i32.load (i32.const 8)) (i32.const 64) (i32.const 1) (i32.const 72)))))
