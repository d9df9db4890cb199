// A two-layer image for the playground's registry test, made at test time: layer 1 holds
// /etc/motd and /etc/hostname, layer 2 the scribble guest (scribble.wat) as its entrypoint.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { blob, Layout } from '../fixtures/images.js';
import type { TestRegistry } from '../helpers/registry.js';
import { watToBytes } from '../helpers/wat.js';

function tarOf(files: Record<string, string | Uint8Array>): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'wasmbox-layer-'));
  try {
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    return execFileSync('tar', [
      '--sort=name',
      '--mtime=@0',
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      '-C',
      dir,
      '-cf',
      '-',
      '.',
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Writes the scribble image as `latest` into the OCI layout at `dir`; `entry` replaces the
 * scribble guest (same layers and path), e.g. with one that never ends.
 */
export function writeScribbleLayout(dir: string, entry?: Uint8Array): void {
  const tars = [
    tarOf({ 'etc/motd': 'from layer 1\n', 'etc/hostname': 'scribble\n' }),
    tarOf({
      'scribble.wasm': entry ?? watToBytes(readFileSync(new URL('./scribble.wat', import.meta.url), 'utf8')),
    }),
  ];
  const layers = tars.map((tar) => blob('application/vnd.oci.image.layer.v1.tar+gzip', gzipSync(tar)));
  const config = blob(
    'application/vnd.oci.image.config.v1+json',
    JSON.stringify({
      architecture: 'wasm',
      os: 'wasip1',
      config: { Entrypoint: ['/scribble.wasm'], WorkingDir: '/' },
      rootfs: { type: 'layers', diff_ids: tars.map((tar) => blob('', tar).digest) },
    }),
  );
  const layout = new Layout(dir);
  layout.name(layout.manifest(config, layers), 'latest');
}

/** Builds the scribble image and pushes it as REGISTRY/playground/scribble:latest. */
export function pushScribble(registry: TestRegistry): string {
  const dir = mkdtempSync(join(tmpdir(), 'wasmbox-scribble-'));
  try {
    writeScribbleLayout(dir);
    const name = `${registry.host}/playground/scribble:latest`;
    execFileSync('skopeo', ['copy', '-q', ...registry.skopeoDest, `oci:${dir}:latest`, `docker://${name}`]);
    return name;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
