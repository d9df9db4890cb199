;; grow.wat with an imported memory (as wasm-ld --import-memory builds): the host creates it.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "env" "memory" (memory 1 65536))
  (func (export "_start")
    (loop $more
      (if (i32.ge_u (memory.size) (i32.const 1024)) (then (call $exit (i32.const 255))))
      (if (i32.eq (memory.grow (i32.const 1)) (i32.const -1)) (then (call $exit (memory.size))))
      (br $more))))
