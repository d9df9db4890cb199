// Hand-written components (component-model text, assembled with jco's wasm-tools `parse`): each
// is a tiny wasi:cli/run command that exercises one behaviour, built without the preview1 adapter.

import { parse } from '@bytecodealliance/jco';

/** A command whose run is the core function body `body` (returning run's result: 0 ok, 1 err),
 * with `imports` (component-level) lowered into the core module as `host` functions. */
function command(
  imports: string,
  lowered: Array<[name: string, canon: string, coreType: string]>,
  body: string,
): string {
  return `(component
  ${imports}
  (core module $mem (memory (export "memory") 1))
  (core instance $mem_i (instantiate $mem))
  (alias core export $mem_i "memory" (core memory $memory))
  ${lowered.map(([name, canon], i) => `(core func $f${i} ${canon.replace('$MEM', '(memory $memory)')}) ;; ${name}`).join('\n  ')}
  (core module $m
    (import "host" "memory" (memory 1))
    ${lowered.map(([name, , type]) => `(import "host" "${name}" (func $${name} ${type}))`).join('\n    ')}
    (data (i32.const 64) "hello from a hand-made component\\n")
    (func (export "run") (result i32) ${body}))
  (core instance $i (instantiate $m (with "host" (instance
    (export "memory" (memory $memory))
    ${lowered.map(([name], i) => `(export "${name}" (func $f${i}))`).join('\n    ')}))))
  (func $run (result (result)) (canon lift (core func $i "run")))
  (instance $run_i (export "run" (func $run)))
  (export "wasi:cli/run@0.2.0" (instance $run_i))
)`;
}

const EXIT = `(import "wasi:cli/exit@0.2.0" (instance $exit
    (export "exit" (func (param "status" (result))))
    (export "exit-with-code" (func (param "status-code" u8)))))`;

const STDOUT = `(import "wasi:io/streams@0.2.0" (instance $streams
    (export "output-stream" (type $os (sub resource)))
    (export "[method]output-stream.blocking-write-and-flush"
      (func (param "self" (borrow $os)) (param "contents" (list u8)) (result (result))))))
  (alias export $streams "output-stream" (type $os))
  (import "wasi:cli/stdout@0.2.0" (instance $stdout
    (export "output-stream" (type $os2 (eq $os)))
    (export "get-stdout" (func (result (own $os2))))))`;

export const WAT = {
  /** Writes a greeting through wasi:cli/stdout and wasi:io/streams, then returns ok. */
  hello: command(
    STDOUT,
    [
      ['get_stdout', '(canon lower (func $stdout "get-stdout"))', '(result i32)'],
      [
        'write',
        '(canon lower (func $streams "[method]output-stream.blocking-write-and-flush") $MEM)',
        '(param i32 i32 i32) (result i32)',
      ],
      ['drop', '(canon resource.drop $os)', '(param i32)'],
    ],
    `(local $h i32) (local $r i32)
      (local.set $h (call $get_stdout))
      (local.set $r (call $write (local.get $h) (i32.const 64) (i32.const 33)))
      (call $drop (local.get $h))
      (local.get $r)`,
  ),
  /** Calls wasi:cli/exit#exit-with-code(CODE). */
  exitWithCode: (code: number) =>
    command(
      EXIT,
      [['exit_code', '(canon lower (func $exit "exit-with-code"))', '(param i32)']],
      `(call $exit_code (i32.const ${code})) (i32.const 0)`,
    ),
  /** Calls wasi:cli/exit#exit(ok or err). */
  exit: (err: boolean) =>
    command(
      EXIT,
      [['exit', '(canon lower (func $exit "exit"))', '(param i32)']],
      `(call $exit (i32.const ${err ? 1 : 0})) (i32.const 0)`,
    ),
  /** run returns err without calling exit. */
  runErr: command('', [], '(i32.const 1)'),
  /** Executes `unreachable`. */
  trap: command('', [], 'unreachable'),
  /** Imports one function of `iface` (a full name with version) and calls it. */
  importing: (iface: string, func: string) =>
    command(
      `(import "${iface}" (instance $x (export "${func}" (func))))`,
      [['f', `(canon lower (func $x "${func}"))`, '']],
      '(call $f) (i32.const 0)',
    ),
  /** A component that exports nothing: not a command. */
  library: '(component (core module $m) (core instance (instantiate $m)))',
};

export function assemble(wat: string): Promise<Uint8Array> {
  return parse(wat);
}
