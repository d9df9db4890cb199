// Runs an image and streams its output as it comes: this terminal's stdin goes to the container,
// the container's stdout and stderr come back here, and its exit status is this script's.
//
//   npx tsx examples/node-stream.ts                      # the echo-lines sample: type lines
//   npx tsx examples/node-stream.ts oci:images/cat:latest < README.md
//   npx tsx examples/node-stream.ts localhost:5000/app:1 arg1 arg2

import { Readable, Writable } from 'node:stream';
import { createRuntime } from '../runtime/index.js';

const defaultImage = `oci:${new URL('../images/echo-lines', import.meta.url).pathname}`;
const [image = defaultImage, ...args] = process.argv.slice(2);

const runtime = createRuntime();
const container = await runtime.run(image, {
  ...(args.length ? { args } : {}),
  // A worker can wait for input as it arrives; shared isolation would need it all up front.
  isolation: 'vm',
  stdin: 'pipe',
  onProgress: (event) => {
    if (event.type === 'resolved') process.stderr.write(`pulled ${event.name} (${event.platform})\n`);
  },
});

const stdin = container.stdin;
if (stdin) void (Readable.toWeb(process.stdin) as ReadableStream<Uint8Array>).pipeTo(stdin).catch(() => {});
await Promise.all([
  container.stdout.pipeTo(Writable.toWeb(process.stdout)),
  container.stderr.pipeTo(Writable.toWeb(process.stderr), { preventClose: true }),
]);
const exit = await container.exit;
if (exit.reason !== 'exit') process.stderr.write(`${exit.message ?? exit.reason}\n`);
await runtime.close();
process.stdin.destroy();
process.exitCode = exit.code;
