// The playground page: pulls an image (a shipped OCI layout or a registry reference), starts it
// under the chosen isolation driver, and keeps the diagram, terminals and file browser in step.

import '@xterm/xterm/css/xterm.css';
import './style.css';
import { isRuntimeError } from '../../../runtime/errors.js';
import { createSharedDriver } from '../../../runtime/isolation/shared.js';
import type { IsolationMode } from '../../../runtime/isolation/types.js';
import { createVmDriver, type VmDriver } from '../../../runtime/isolation/vm.js';
import { browserWorkerFactory } from '../../../runtime/platform/browser/worker.js';
import {
  adoptUpper,
  type Container,
  createContainer,
  describeExit,
  GuestCache,
  startContainer,
} from './containers.js';
import { renderDiagram } from './diagram.js';
import { byId, h } from './dom.js';
import { renderFiles } from './files.js';
import { ImageLibrary } from './images.js';
import { PullView } from './pull-view.js';
import { TerminalSession } from './terminal.js';

const REGISTRY = '@registry';

function message(error: unknown): string {
  if (isRuntimeError(error)) return `${error.message} (${error.code})`;
  return error instanceof Error ? error.message : String(error);
}

/** Lets the page paint (the diagram shows "running") before a shared guest takes the thread. */
function nextFrame(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

class Playground {
  readonly isolated = globalThis.crossOriginIsolated === true;
  readonly library = new ImageLibrary({ fetch: (input, init) => fetch(input, init), base: document.baseURI });
  readonly guests = new GuestCache();
  readonly containers: Container[] = [];
  readonly sessions = new Map<number, TerminalSession>();
  readonly shared = createSharedDriver();
  readonly pull = new PullView(byId('pull'));
  #vm: VmDriver | undefined;
  liveWorkers = 0;
  selected: number | undefined;
  #nextId = 1;
  #nextKernel = 1;

  constructor(readonly shipped: string[]) {
    this.#setupForm();
    this.#notice();
    // One warm worker: the first vm container starts without waiting for a worker to boot.
    if (this.isolated) this.vm();
    window.addEventListener('resize', () => this.#session()?.fit());
    this.render();
  }

  vm(): VmDriver {
    this.#vm ??= createVmDriver({
      workers: browserWorkerFactory({
        onCount: (live) => {
          this.liveWorkers = live;
          this.render();
        },
      }),
      pool: 1,
    });
    return this.#vm;
  }

  #notice(): void {
    const notice = byId('isolation-notice');
    if (this.isolated) {
      notice.className = 'ok';
      notice.textContent =
        'Cross-origin isolated (COOP/COEP): SharedArrayBuffer is on, so vm isolation runs each container in its own Web Worker with blocking stdin.';
      return;
    }
    notice.className = 'warn';
    notice.textContent =
      'This page is not cross-origin isolated: it was served without the Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp headers, so SharedArrayBuffer is missing. Lost: vm isolation (a Web Worker per container, whose blocking stdin and output backpressure wait on a SharedArrayBuffer with Atomics.wait), so interactive programs cannot run. Shared isolation still works, with stdin closed. Serve the page with `npm run playground`.';
    for (const input of document.querySelectorAll<HTMLInputElement>('input[name=isolation][value=vm]')) {
      input.disabled = true;
    }
  }

  #setupForm(): void {
    const select = byId<HTMLSelectElement>('image');
    for (const name of this.shipped) select.append(h('option', { value: name }, `${name} (images/${name})`));
    select.append(h('option', { value: REGISTRY }, 'registry reference…'));
    const refRow = byId('ref-row');
    const sync = () => {
      refRow.hidden = select.value !== REGISTRY;
    };
    select.addEventListener('change', sync);
    sync();
    byId<HTMLFormElement>('run-form').addEventListener('submit', (event) => {
      event.preventDefault();
      void this.run();
    });
  }

  #session(): TerminalSession | undefined {
    return this.selected === undefined ? undefined : this.sessions.get(this.selected);
  }

  select(id: number): void {
    this.selected = id;
    for (const [key, session] of this.sessions) session.element.hidden = key !== id;
    const session = this.sessions.get(id);
    session?.fit();
    session?.focus();
    this.render();
  }

  kill(id: number): void {
    this.containers.find((c) => c.id === id)?.handle?.kill('SIGKILL');
  }

  remove(id: number): void {
    const index = this.containers.findIndex((c) => c.id === id);
    if (index < 0) return;
    this.containers.splice(index, 1);
    this.sessions.get(id)?.element.remove();
    this.sessions.delete(id);
    if (this.selected === id) {
      const last = this.containers.at(-1);
      if (last) this.select(last.id);
      else this.selected = undefined;
    }
    this.render();
  }

  render(): void {
    const actions = {
      select: (id: number) => this.select(id),
      kill: (id: number) => this.kill(id),
      remove: (id: number) => this.remove(id),
    };
    renderDiagram(
      byId('diagram'),
      {
        containers: this.containers,
        selected: this.selected,
        liveWorkers: this.liveWorkers,
        isolated: this.isolated,
      },
      actions,
    );
    byId('tabs').replaceChildren(
      ...this.containers.map((c) => {
        const tab = h(
          'button',
          {
            type: 'button',
            role: 'tab',
            class: `tab state-${c.state}`,
            'aria-selected': c.id === this.selected ? 'true' : 'false',
            'data-id': c.id,
          },
          h('span', { class: 'dot' }),
          `${c.name} · ${c.mode}`,
        );
        tab.addEventListener('click', () => this.select(c.id));
        return tab;
      }),
    );
    renderFiles(
      byId('files'),
      byId('files-of'),
      this.containers.find((c) => c.id === this.selected),
    );
  }

  #form(): { reference: string; proxy: string; mode: IsolationMode; args: string[]; memoryCap: number } {
    const choice = byId<HTMLSelectElement>('image').value;
    const reference =
      choice === REGISTRY ? byId<HTMLInputElement>('ref').value.trim() : `oci:images/${choice}`;
    const checked = document.querySelector<HTMLInputElement>('input[name=isolation]:checked');
    return {
      reference,
      proxy: byId<HTMLInputElement>('proxy').value,
      mode: checked?.value === 'vm' ? 'vm' : 'shared',
      args: byId<HTMLInputElement>('args').value.split(/\s+/).filter(Boolean),
      memoryCap: Number(byId<HTMLSelectElement>('memory').value) * 1024 * 1024,
    };
  }

  async run(): Promise<void> {
    const form = this.#form();
    if (!form.reference) {
      this.pull.fail('type a registry reference first');
      return;
    }
    if (form.mode === 'vm' && !this.isolated) {
      this.pull.fail('vm isolation needs a cross-origin isolated page (see the notice above)');
      return;
    }
    this.pull.begin(form.reference);
    let image: Awaited<ReturnType<ImageLibrary['pull']>>;
    try {
      image = await this.library.pull({
        reference: form.reference,
        proxy: form.proxy,
        onProgress: (event) => this.pull.event(event),
      });
    } catch (error) {
      this.pull.fail(`pull failed: ${message(error)}`);
      return;
    }
    this.pull.finish(`pulled ${image.record.name} · ${image.layers.length} layer(s) · ${image.platform}`);

    const id = this.#nextId++;
    const session = new TerminalSession(byId('terminals'), (cols, rows) => {
      if (this.selected === id) byId('term-size').textContent = `${cols}×${rows}`;
    });
    this.sessions.set(id, session);
    this.select(id);
    let container: Container | undefined;
    try {
      const created = await createContainer(this.library, {
        id,
        kernel: this.#nextKernel++,
        reference: form.reference,
        image,
        mode: form.mode,
        args: form.args,
        memoryCap: form.memoryCap,
        size: session.size,
      });
      const made = created.container;
      container = made;
      this.containers.push(made);
      this.render();
      void this.library.origins(image).then(
        (origins) => {
          made.origins = origins;
          this.render();
        },
        () => {},
      );
      const guest = await this.guests.get(
        `${image.record.digest} ${made.argv[0]} ${form.memoryCap}`,
        created.bytes,
        form.memoryCap,
      );
      session.note(`$ ${made.argv.join(' ')}    [${form.mode} isolation, kernel #${made.kernel}]`);
      made.state = 'running';
      this.render();
      await nextFrame();
      const handle = await startContainer(made, {
        guest,
        driver: form.mode === 'vm' ? this.vm() : this.shared,
        library: this.library,
        image,
        env: created.env,
        workdir: created.workdir,
      });
      made.handle = handle;
      const output = session.attach(handle);
      try {
        const exit = await handle.exit;
        await adoptUpper(made, exit).catch((error: unknown) =>
          session.note(`[its files could not be read back: ${message(error)}]`),
        );
        made.exit = exit;
        made.state = exit.reason === 'killed' || exit.reason === 'timeout' ? 'killed' : 'exited';
        await output;
        session.note(`[${describeExit(exit)}]`);
      } catch (error) {
        made.state = 'failed';
        made.error = message(error);
        await output;
        session.note(`[failed: ${made.error}]`);
      }
    } catch (error) {
      session.note(`[could not start: ${message(error)}]`);
      if (container) {
        container.state = 'failed';
        container.error = message(error);
      }
    }
    this.render();
  }
}

const shipped = JSON.parse(document.getElementById('repo-images')?.textContent ?? '[]') as string[];
new Playground(shipped);
