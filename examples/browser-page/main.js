// The page's script: a wasmbox runtime in the tab, images read from OCI layouts served over HTTP
// (./images/NAME), `hello` run in the page's thread and `cat` in a Web Worker.
// build.mjs bundles this file with the browser entry of wasmbox into dist/.

import { browserWorkerFactory, createRuntime, httpLayoutFiles } from '../../runtime/browser.ts';

const runtime = createRuntime({
  files: httpLayoutFiles({ fetch: fetch.bind(globalThis), base: document.baseURI }),
  workers: browserWorkerFactory({ create: () => new Worker('./worker-entry.js', { type: 'module' }) }),
});
const here = new URL('.', document.baseURI).pathname;

async function hello() {
  const out = document.getElementById('hello');
  try {
    const result = await runtime.exec(`oci:${here}images/hello`, { args: ['from', 'the', 'tab'] });
    out.textContent = `${result.stdout}(exit ${result.code} in ${result.durationMs.toFixed(1)} ms)`;
  } catch (error) {
    out.textContent = `${error.code ?? 'error'}: ${error.message}`;
  }
}

document.getElementById('cat').addEventListener('submit', async (event) => {
  event.preventDefault();
  const out = document.getElementById('cat-out');
  out.textContent = '';
  try {
    const container = await runtime.run(`oci:${here}images/cat`, {
      isolation: 'vm',
      timeout: 5000,
      stdin: document.getElementById('text').value,
    });
    const decoder = new TextDecoder();
    // Streamed: each chunk is shown as the guest writes it.
    for await (const chunk of container.stdout) out.textContent += decoder.decode(chunk, { stream: true });
    const exit = await container.exit;
    out.textContent += `\n(exit ${exit.code}, ${exit.reason})`;
  } catch (error) {
    out.textContent = `${error.code ?? 'error'}: ${error.message}`;
  }
});

hello();
