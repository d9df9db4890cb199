// The entry of a vm-isolation worker on Node: wires worker_threads' port and host-directory mounts
// into the browser-clean worker side (runtime/isolation/worker-side.ts).

import { parentPort } from 'node:worker_threads';
import { serveWorker } from '../../isolation/worker-side.js';
import { mountHostDir } from './host-dir.js';

const port = parentPort;
if (!port) throw new Error('worker-entry must run in a worker thread');
serveWorker(
  {
    post: (message, transfer) => port.postMessage(message, transfer ?? []),
    onMessage: (listener) => port.on('message', listener),
  },
  { mountHost: (hostPath, options) => mountHostDir(hostPath, options) },
);
