;; Grows its memory a page at a time up to 1024 pages (64 MiB). Exits with its final size in pages
;; when a grow fails (the cap was hit), or 255 when it got all it wanted.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (loop $more
      (if (i32.ge_u (memory.size) (i32.const 1024)) (then (call $exit (i32.const 255))))
      (if (i32.eq (memory.grow (i32.const 1)) (i32.const -1)) (then (call $exit (memory.size))))
      (br $more))))
