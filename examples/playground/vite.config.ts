// Vite config of the playground: the page under src/, the repo's images/ OCI layouts served and
// bundled at /images/, and the COOP/COEP headers that make the page cross-origin isolated.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));
const imagesDir = resolve(here, '../../images');

/** Without these, SharedArrayBuffer is missing and vm isolation cannot run (see the page's notice). */
export const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** The image layouts shipped in the repo: every images/<name>/ with an oci-layout file. */
function layoutNames(): string[] {
  return readdirSync(imagesDir)
    .filter((name) => existsSync(join(imagesDir, name, 'oci-layout')))
    .sort();
}

function* layoutFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* layoutFiles(path);
    else yield path;
  }
}

/** Serves /images/<layout>/… from the repo in dev and preview, and copies the layouts into the build. */
function repoImages(): Plugin {
  const serve = (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const path = decodeURIComponent((req.url ?? '').split('?')[0] ?? '');
    const file = resolve(imagesDir, `.${path}`);
    const layout = relative(imagesDir, file).split(sep)[0] ?? '';
    if (
      !file.startsWith(imagesDir + sep) ||
      !layoutNames().includes(layout) ||
      !existsSync(file) ||
      statSync(file).isDirectory()
    ) {
      next();
      return;
    }
    const body = readFileSync(file);
    res.setHeader('Content-Type', file.endsWith('.json') ? 'application/json' : 'application/octet-stream');
    res.setHeader('Content-Length', body.length);
    for (const [k, v] of Object.entries(isolationHeaders)) res.setHeader(k, v);
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  return {
    name: 'wasmbox-repo-images',
    configureServer: (server) => void server.middlewares.use('/images', serve),
    configurePreviewServer: (server) => void server.middlewares.use('/images', serve),
    generateBundle() {
      for (const name of layoutNames()) {
        for (const file of layoutFiles(join(imagesDir, name))) {
          this.emitFile({
            type: 'asset',
            fileName: `images/${relative(imagesDir, file).split(sep).join('/')}`,
            source: readFileSync(file),
          });
        }
      }
    },
    // The page's image picker lists the layouts it can pull from /images/.
    transformIndexHtml: () => [
      {
        tag: 'script',
        attrs: { type: 'application/json', id: 'repo-images' },
        children: JSON.stringify(layoutNames()),
      },
    ],
  };
}

export default defineConfig({
  root: here,
  // Relative URLs: the built site works from any path (a gh-pages folder, a test server).
  base: './',
  plugins: [repoImages()],
  server: { headers: isolationHeaders, host: '127.0.0.1' },
  preview: { headers: isolationHeaders, host: '127.0.0.1' },
  worker: { format: 'es' },
  build: { outDir: resolve(here, '../../dist/playground'), emptyOutDir: true, target: 'es2022' },
});
