;; A guest that changes its root: creates /notes.txt, deletes /etc/motd (from an image layer) and
;; says so on stdout. The playground's file browser must show both as the container's doing.
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_unlink_file" (func $unlink (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "notes.txt")
  (data (i32.const 32) "written by the container\n")
  (data (i32.const 64) "etc/motd")
  (data (i32.const 80) "scribbled: notes.txt\n")
  (func $write (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 208) (local.get $ptr))
    (i32.store (i32.const 212) (local.get $len))
    (drop (call $fd_write (local.get $fd) (i32.const 208) (i32.const 1) (i32.const 216))))
  (func (export "_start")
    ;; fd 3 is the root preopen; oflags 9 = O_CREAT | O_TRUNC; rights 64 = fd_write
    (if (call $path_open (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 9) (i32.const 9)
          (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 200))
      (then (call $exit (i32.const 1))))
    (call $write (i32.load (i32.const 200)) (i32.const 32) (i32.const 25))
    (if (call $unlink (i32.const 3) (i32.const 64) (i32.const 8))
      (then (call $exit (i32.const 2))))
    (call $write (i32.const 1) (i32.const 80) (i32.const 21))))
