// The library's API cases, written once and run in Node (api.test.ts, under vitest) and in
// Chromium (browser.test.ts bundles browser-runner.ts, which runs them in a page). No test
// framework here: a case throws to fail; the environment supplies runtimes and guests.

import { RuntimeError } from '../../runtime/errors.js';
import type { Runtime, RuntimeEvent, RuntimeOptions } from '../../runtime/runtime.js';

export type Guest = 'hello' | 'cat' | 'echo-lines' | 'fsx' | 'ls' | 'write-file' | 'loop';

export interface ApiEnv {
  platform: 'node' | 'browser';
  /** The entry's createRuntime with this environment's test defaults (an isolated store). */
  createRuntime(options?: RuntimeOptions): Runtime;
  wasm(name: Guest): Promise<Uint8Array>;
  /** An `oci:` reference to one of the repo's image layouts (images/NAME). */
  layout(name: string): string;
  /** Workers started by runtimes of this environment and not yet gone. */
  liveWorkers(): number;
}

export interface ApiCase {
  name: string;
  run(env: ApiEnv): Promise<void>;
}

export function check(condition: unknown, what: string): asserts condition {
  if (!condition) throw new Error(`check failed: ${what}`);
}

export function same<T>(actual: T, expected: T, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

export async function failsWith(
  promise: Promise<unknown>,
  code: string,
  what: string,
): Promise<RuntimeError> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof RuntimeError)) throw new Error(`${what}: not a RuntimeError: ${String(error)}`);
    if (error.code !== code)
      throw new Error(`${what}: expected ${code}, got ${error.code}: ${error.message}`);
    return error;
  }
  throw new Error(`${what}: expected ${code}, but it succeeded`);
}

const encode = (text: string) => new TextEncoder().encode(text);

async function readLine(reader: ReadableStreamDefaultReader<Uint8Array>, buffered: { text: string }) {
  const decoder = new TextDecoder();
  while (!buffered.text.includes('\n')) {
    const { done, value } = await reader.read();
    if (done) break;
    buffered.text += decoder.decode(value);
  }
  const at = buffered.text.indexOf('\n');
  const line = buffered.text.slice(0, at);
  buffered.text = buffered.text.slice(at + 1);
  return line;
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  check(condition(), what);
}

const modes = ['shared', 'vm'] as const;

export const cases: ApiCase[] = [
  {
    name: 'exec runs module bytes: exit, output as bytes and text, args',
    async run(env) {
      const rt = env.createRuntime();
      try {
        const result = await rt.exec(await env.wasm('hello'), { name: 'hello', args: ['x y'] });
        same(result.code, 0, 'code');
        same(result.reason, 'exit', 'reason');
        same(result.stdout, 'Hello from wasmbox!\narg[1]=x y\n', 'stdout');
        same(new TextDecoder().decode(result.stdoutBytes), result.stdout, 'stdout bytes');
        same(result.stderr, '', 'stderr');
        check(result.durationMs >= 0, 'durationMs');
      } finally {
        await rt.close();
      }
    },
  },
  {
    name: "run an image from an OCI layout: the image's command, lifecycle events in order",
    async run(env) {
      const events: RuntimeEvent[] = [];
      const rt = env.createRuntime({ onEvent: (e) => events.push(e) });
      try {
        const progress: string[] = [];
        const container = await rt.run(env.layout('hello'), { onProgress: (e) => progress.push(e.type) });
        // A shared guest without a stdin pipe runs to its end inside start().
        check(container.state !== 'created', 'started');
        same(await new Response(container.stdout).text(), 'Hello from wasmbox!\n', 'stdout');
        const exit = await container.exit;
        same([exit.code, exit.reason], [0, 'exit'], 'exit');
        same(container.state, 'exited', 'state after exit');
        check(progress.includes('resolved'), 'pull progress reported');
        const types = events.map((e) => e.type).filter((t) => t !== 'pull');
        same(types, ['pull-start', 'pull-end', 'create', 'start', 'exit'], 'event order');
        check(
          (await rt.images()).some((r) => r.name.endsWith('hello:latest') || r.name.includes('images/hello')),
          'image recorded',
        );
      } finally {
        await rt.close();
      }
    },
  },
  ...modes.map(
    (isolation): ApiCase => ({
      name: `${isolation}: stdin pipe and streamed stdout (echo-lines)`,
      async run(env) {
        const rt = env.createRuntime();
        try {
          const c = await rt.run(await env.wasm('echo-lines'), { isolation, stdin: 'pipe' });
          check(c.stdin, 'stdin is a pipe');
          const writer = c.stdin.getWriter();
          const reader = c.stdout.getReader();
          const buffered = { text: '' };
          if (isolation === 'vm') {
            // A worker waits for input: talk to it one line at a time.
            await writer.write(encode('one\n'));
            same(await readLine(reader, buffered), 'you said: one', 'first answer');
            await writer.write(encode('two\n'));
            same(await readLine(reader, buffered), 'you said: two', 'second answer');
          } else {
            await writer.write(encode('one\ntwo\n'));
          }
          await writer.close();
          const rest = [];
          for (let line = await readLine(reader, buffered); line; line = await readLine(reader, buffered)) {
            rest.push(line);
          }
          same(rest, isolation === 'vm' ? ['bye'] : ['you said: one', 'you said: two', 'bye'], 'rest');
          same((await c.exit).code, 0, 'code');
        } finally {
          await rt.close();
        }
      },
    }),
  ),
  ...modes.map(
    (isolation): ApiCase => ({
      name: `${isolation}: stdin from a ReadableStream`,
      async run(env) {
        const rt = env.createRuntime();
        try {
          const body = new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(encode('streamed '));
              controller.enqueue(encode('input'));
              controller.close();
            },
          });
          const result = await rt.exec(env.layout('cat'), { isolation, stdin: body });
          same(result.stdout, 'streamed input', 'stdout');
        } finally {
          await rt.close();
        }
      },
    }),
  ),
  {
    name: 'shared: fs before start, during (mounts), and after exit',
    async run(env) {
      const rt = env.createRuntime();
      try {
        const c = await rt.create(await env.wasm('write-file'), { files: { '/etc/app.conf': 'x=1' } });
        same(c.state, 'created', 'state');
        same(await c.fs.readText('/etc/app.conf'), 'x=1', 'files option');
        await c.fs.writeFile('/out.txt', 'to be replaced');
        await c.fs.mkdir('/tmp/a/b', { recursive: true });
        same(await c.fs.readdir('/'), ['etc', 'out.txt', 'tmp'], 'root before start');
        c.start();
        same((await c.exit).code, 0, 'code');
        same(await c.fs.readText('/out.txt'), 'written by the guest\n', 'the guest wrote');
        same((await c.fs.stat('/out.txt')).size, 21, 'size');
        await c.fs.rm('/tmp', { recursive: true });
        same(await c.fs.exists('/tmp'), false, 'removed');
        const missing = await failsWith(c.fs.readFile('/nope'), 'ERR_HOST_IO', 'missing file');
        check(
          missing.message.includes('ENOENT') && missing.message.includes('/nope'),
          'names errno and path',
        );
        // A second container of the same image starts from a clean root.
        const image = await rt.create(env.layout('cat'));
        await image.fs.writeFile('/in.txt', 'mine');
        const other = await rt.create(env.layout('cat'));
        same(await other.fs.exists('/in.txt'), false, 'writable layers are per container');
        check((await image.fs.readdir('/')).length > 1, 'image files visible');
        image.kill();
        other.kill();
      } finally {
        await rt.close();
      }
    },
  },
  {
    name: 'vm: fs writes before start reach the worker; refused while it runs; after exit the image and the writes',
    async run(env) {
      const rt = env.createRuntime();
      try {
        const c = await rt.create(env.layout('cat'), { isolation: 'vm', args: ['/data/in.txt'] });
        await c.fs.writeFile('/data/in.txt', 'staged for the worker\n');
        same(await c.fs.readText('/data/in.txt'), 'staged for the worker\n', 'read back before start');
        await failsWith(c.fs.mkdir('/x'), 'ERR_NOT_SUPPORTED', 'mkdir in vm');
        const imageFiles = await c.fs.readdir('/');
        c.start();
        await failsWith(c.fs.readFile('/data/in.txt'), 'ERR_NOT_SUPPORTED', 'read while running');
        same(await new Response(c.stdout).text(), 'staged for the worker\n', 'the guest read it');
        same((await c.exit).code, 0, 'code');
        same(await c.fs.readText('/data/in.txt'), 'staged for the worker\n', 'after exit: the staged file');
        same(await c.fs.readdir('/'), imageFiles, "after exit: the image's files");
        // The rebuilt root is the caller's copy: it can be changed like a shared container's.
        await c.fs.rm('/data', { recursive: true });
        same(await c.fs.exists('/data/in.txt'), false, 'removed from the copy');
      } finally {
        await rt.close();
      }
    },
  },
  ...modes.map(
    (isolation): ApiCase => ({
      name: `${isolation}: after exit, fs shows what the guest wrote`,
      async run(env) {
        const rt = env.createRuntime();
        try {
          const c = await rt.run(await env.wasm('write-file'), {
            isolation,
            files: { '/etc/app.conf': 'x=1' },
            cwd: '/work',
          });
          same((await c.exit).code, 0, 'code');
          same(await c.fs.readText('/out.txt'), 'written by the guest\n', 'the guest wrote');
          same(await c.fs.readdir('/'), ['etc', 'out.txt', 'work'], 'root after exit');
          same(await c.fs.readText('/etc/app.conf'), 'x=1', 'files option');
        } finally {
          await rt.close();
        }
      },
    }),
  ),
  {
    name: "vm: a killed container's file system ended with its worker",
    async run(env) {
      const rt = env.createRuntime();
      try {
        const c = await rt.run(await env.wasm('loop'), { isolation: 'vm', files: { '/a.txt': 'a' } });
        c.kill();
        same((await c.exit).reason, 'killed', 'reason');
        const refused = await failsWith(c.fs.readFile('/a.txt'), 'ERR_NOT_SUPPORTED', 'read after kill');
        check(refused.message.includes('ended with its worker'), `says why: ${refused.message}`);
      } finally {
        await rt.close();
      }
    },
  },
  {
    name: 'object tree mounts: content visible, read-only refuses writes, read-write keeps them',
    async run(env) {
      const rt = env.createRuntime();
      try {
        const tree = { 'a.txt': 'tree text', sub: { 'b.bin': new Uint8Array([1, 2, 3]) } };
        const cat = await rt.exec(env.layout('cat'), {
          args: ['/data/a.txt'],
          mounts: [{ target: '/data', tree, readOnly: true }],
        });
        same(cat.stdout, 'tree text', 'cat through the mount');
        const ro = await rt.exec(await env.wasm('fsx'), {
          args: ['/data'],
          mounts: [{ target: '/data', tree, readOnly: true }],
        });
        check(ro.code !== 0 && ro.stdout.includes('FAIL'), 'fsx fails on a read-only mount');
        const c = await rt.run(await env.wasm('fsx'), {
          args: ['/data'],
          mounts: [{ target: '/data', tree }],
        });
        const out = await new Response(c.stdout).text();
        same((await c.exit).code, 0, `fsx passes on a read-write mount: ${out}`);
        same(await c.fs.readdir('/data'), ['a.txt', 'sub'], 'fsx cleaned up after itself');
        same(await c.fs.readFile('/data/sub/b.bin'), new Uint8Array([1, 2, 3]), 'bytes');
        same(Object.keys(tree), ['a.txt', 'sub'], 'the object is not modified');
        await failsWith(
          rt.create(env.layout('cat'), { isolation: 'vm', mounts: [{ target: '/data', tree }] }),
          'ERR_NOT_SUPPORTED',
          'tree mounts in vm',
        );
      } finally {
        await rt.close();
      }
    },
  },
  {
    name: 'kill: before start, and a running vm guest (137, signal, worker gone)',
    async run(env) {
      const rt = env.createRuntime();
      try {
        const created = await rt.create(await env.wasm('hello'));
        created.kill('SIGTERM');
        same(
          await created.exit,
          { code: 137, reason: 'killed', durationMs: 0, signal: 'SIGTERM', message: 'killed by SIGTERM' },
          'killed before start',
        );
        await failsWith(
          Promise.resolve().then(() => created.start()),
          'ERR_CONFLICT',
          'start after kill',
        );
        const loop = await rt.run(await env.wasm('loop'), { isolation: 'vm' });
        await new Promise((r) => setTimeout(r, 50));
        same(loop.state, 'running', 'still running');
        loop.kill();
        const exit = await loop.exit;
        same([exit.code, exit.reason, exit.signal], [137, 'killed', 'SIGKILL'], 'killed');
        await waitFor(() => env.liveWorkers() === 0, 'no worker left');
      } finally {
        await rt.close();
      }
    },
  },
  {
    name: 'vm: timeout and memory cap',
    async run(env) {
      const rt = env.createRuntime();
      try {
        const loop = await rt.exec(await env.wasm('loop'), { isolation: 'vm', timeout: '200ms' });
        same([loop.code, loop.reason, loop.signal], [137, 'timeout', 'SIGKILL'], 'timed out');
        check(loop.durationMs >= 190, `ran until the timeout (${loop.durationMs} ms)`);
        const capped = await rt.exec(await env.wasm('hello'), { isolation: 'vm', memory: '1m' });
        same(capped.code, 0, 'runs under a cap above its need');
        await failsWith(
          rt.exec(await env.wasm('hello'), { memory: 64 * 1024 }),
          'ERR_CANNOT_START',
          'cap below need',
        );
        await failsWith(
          rt.exec(await env.wasm('hello'), { memory: 'lots' }),
          'ERR_INVALID_ARGUMENT',
          'bad size',
        );
        await waitFor(() => env.liveWorkers() === 0, 'no worker left');
      } finally {
        await rt.close();
      }
    },
  },
  {
    name: 'abort: before create, while creating, while running, and exec',
    async run(env) {
      const rt = env.createRuntime();
      try {
        await failsWith(
          rt.create(env.layout('hello'), { signal: AbortSignal.abort() }),
          'ERR_ABORTED',
          'pre-aborted',
        );
        const creating = new AbortController();
        const pending = rt.create(env.layout('layered'), { signal: creating.signal, isolation: 'vm' });
        creating.abort();
        await failsWith(pending, 'ERR_ABORTED', 'aborted while creating');
        const running = new AbortController();
        const c = await rt.run(await env.wasm('loop'), { isolation: 'vm', signal: running.signal });
        running.abort();
        const exit = await c.exit;
        same([exit.code, exit.reason, exit.signal], [137, 'aborted', 'SIGKILL'], 'aborted while running');
        const execAbort = new AbortController();
        const exec = rt.exec(await env.wasm('loop'), { isolation: 'vm', signal: execAbort.signal });
        setTimeout(() => execAbort.abort(), 30);
        await failsWith(exec, 'ERR_ABORTED', 'exec aborted');
        await waitFor(() => env.liveWorkers() === 0, 'no worker left');
      } finally {
        await rt.close();
      }
    },
  },
  {
    name: 'a failure inside the worker reaches the caller as a RuntimeError with its code',
    async run(env) {
      const rt = env.createRuntime();
      try {
        // The working directory cannot be made under a file: the worker's root build fails.
        const c = await rt.run(env.layout('cat'), {
          isolation: 'vm',
          cwd: '/etc/x/y',
          files: { '/etc/x': 'a file' },
        });
        const error = await failsWith(c.exit, 'ERR_HOST_IO', 'exit rejects');
        check(error.message.includes('ENOTDIR'), `names the errno: ${error.message}`);
        await failsWith(
          rt.run(env.layout('cat'), { cwd: 'relative' }),
          'ERR_INVALID_ARGUMENT',
          'relative cwd',
        );
        await failsWith(rt.run(new Uint8Array([1, 2, 3, 4])), 'ERR_NOT_WASM', 'not wasm');
        await failsWith(rt.run(env.layout('nope')), 'ERR_IMAGE_NOT_FOUND', 'missing layout');
      } finally {
        await rt.close();
      }
    },
  },
];
