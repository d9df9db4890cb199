// Hand-written components for the isolation tests (component-model text, assembled with jco's
// wasm-tools `parse`): an endless loop, a memory-hungry guest and one too big for a small cap.

/** A command component whose core module (memory: 1 page, no maximum) runs `body` as wasi:cli/run,
 * with wasi:cli/exit#exit-with-code imported as `$exit`. */
function exitingCommand(body: string): string {
  return `(component
  (import "wasi:cli/exit@0.2.0" (instance $exit (export "exit-with-code" (func (param "status-code" u8)))))
  (core func $exit_code (canon lower (func $exit "exit-with-code")))
  (core module $m
    (import "host" "exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    (func (export "run") (result i32) ${body}))
  (core instance $i (instantiate $m (with "host" (instance (export "exit" (func $exit_code))))))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $run_i (export "run" (func $run)))
  (export "wasi:cli/run@0.2.0" (instance $run_i)))`;
}

export const COMPONENT_WAT = {
  /** Grows its memory a page at a time; exits with its size in pages when a grow fails, or 255
   * once it has 256 pages (16 MiB) without hitting a cap. */
  grow: exitingCommand(`
    (loop $more
      (if (i32.ge_u (memory.size) (i32.const 256)) (then (call $exit (i32.const 255))))
      (if (i32.eq (memory.grow (i32.const 1)) (i32.const -1)) (then (call $exit (memory.size))))
      (br $more))
    (i32.const 0)`),
  /** Spins forever. */
  loop: exitingCommand('(loop $forever (br $forever)) (i32.const 0)'),
  /** Starts with 128 pages (8 MiB) of memory. */
  big: exitingCommand('(i32.const 0)').replace(
    '(memory (export "memory") 1)',
    '(memory (export "memory") 128)',
  ),
};
