// The Node entry of wasmbox: everything the browser entry has, plus host-directory mounts.

export * from './browser.js';
export { mountHostDir } from './platform/node/host-dir.js';
export { fdSink, fdSource } from './platform/node/stdio.js';
