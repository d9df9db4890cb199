// What a CLI bundle runs, at build time, before its V8 code cache is taken (build-cli.mjs): the
// cache then holds the functions a real command compiles, not only those of `--help`. Runs in a
// worker thread with WASMBOX_HOME set to a scratch directory. One function per bundle.
'use strict';
const { createHash } = require('node:crypto');
const { createServer } = require('node:http');
const { join } = require('node:path');

const sha256 = (bytes) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const blob = (mediaType, bytes) => ({ mediaType, digest: sha256(bytes), size: bytes.length, bytes });

/** A registry on 127.0.0.1 serving one image (`warm:latest`): a manifest, a config, one layer. */
async function tinyRegistry() {
  const config = blob(
    'application/vnd.oci.image.config.v1+json',
    Buffer.from(
      JSON.stringify({
        os: 'wasip1',
        architecture: 'wasm',
        config: {},
        rootfs: { type: 'layers', diff_ids: [] },
      }),
    ),
  );
  const layer = blob('application/vnd.oci.image.layer.v1.tar', Buffer.alloc(1024));
  const strip = ({ bytes, ...descriptor }) => descriptor;
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: strip(config),
      layers: [strip(layer)],
    }),
  );
  const blobs = new Map([config, layer].map((b) => [b.digest, b.bytes]));
  const server = createServer((req, res) => {
    const url = req.url ?? '';
    if (url === '/v2/warm/manifests/latest') {
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end(manifest);
      return;
    }
    const bytes = blobs.get(url.replace('/v2/warm/blobs/', ''));
    if (bytes) res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(bytes);
    else res.writeHead(404).end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { host: `127.0.0.1:${server.address().port}`, close: () => server.close() };
}

async function expectSuccess(cli, args) {
  const status = await cli.main(args);
  if (status !== 0) throw new Error(`code-cache warm-up: wasmbox ${args.join(' ')} exited ${status}`);
}

module.exports = {
  /** The whole CLI: every verb registered. */
  all: (cli) => cli.main(['--help']),
  /** A pull from a registry over plain HTTP into the scratch store. */
  async pull(cli) {
    const registry = await tinyRegistry();
    try {
      await expectSuccess(cli, ['pull', '-q', `${registry.host}/warm:latest`]);
    } finally {
      registry.close();
    }
  },
  /** The shipped hello image, run in the kernel-shared mode (it greets on the build's stdout). */
  run: (cli, root) => expectSuccess(cli, ['run', `oci:${join(root, 'images', 'hello')}`, 'warm']),
};
