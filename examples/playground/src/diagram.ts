// The live picture: the host (this tab), its main thread holding the shared-mode kernels, and the
// Web Workers each holding one vm-mode kernel; every container drawn inside the kernel it talks to.

import { type Container, describeExit } from './containers.js';
import { formatBytes, h } from './dom.js';

export interface DiagramModel {
  containers: readonly Container[];
  selected: number | undefined;
  liveWorkers: number;
  isolated: boolean;
}

export interface DiagramActions {
  select(id: number): void;
  kill(id: number): void;
  remove(id: number): void;
}

function statusText(c: Container): string {
  if (c.state === 'failed') return `failed: ${c.error ?? 'unknown error'}`;
  if (c.exit) return describeExit(c.exit);
  return c.state;
}

function containerCard(c: Container, selected: boolean, actions: DiagramActions): HTMLElement {
  const done = c.state === 'exited' || c.state === 'killed' || c.state === 'failed';
  const card = h(
    'div',
    {
      class: `container state-${c.state}${selected ? ' selected' : ''}`,
      'data-id': c.id,
      'data-state': c.state,
      'data-exit': c.exit?.exitCode,
      role: 'button',
      tabindex: 0,
      title: c.argv.join(' '),
    },
    h('div', { class: 'c-name' }, c.name),
    h('div', { class: 'c-image' }, c.image),
    h('div', { class: 'c-state' }, h('span', { class: 'dot' }), statusText(c)),
    c.memory
      ? h(
          'div',
          { class: 'c-mem' },
          `memory ${formatBytes(c.memory.initial)} initial, ≤ ${formatBytes(c.memory.maximum)}`,
        )
      : null,
    h(
      'div',
      { class: 'c-actions' },
      done
        ? h('button', { type: 'button', class: 'remove', 'data-action': 'remove' }, 'remove')
        : h('button', { type: 'button', class: 'kill', 'data-action': 'kill' }, 'kill'),
    ),
  );
  card.addEventListener('click', (event) => {
    const action = (event.target as HTMLElement).dataset.action;
    if (action === 'kill') actions.kill(c.id);
    else if (action === 'remove') actions.remove(c.id);
    else actions.select(c.id);
  });
  return card;
}

function kernelBox(c: Container, selected: boolean, actions: DiagramActions): HTMLElement {
  const ended = c.state !== 'running' && c.state !== 'starting';
  return h(
    'div',
    { class: `kernel${ended ? ' ended' : ''}` },
    h(
      'div',
      { class: 'k-title' },
      `kernel #${c.kernel}`,
      h('small', {}, ended ? ' WASI preview1 · instance gone' : ' WASI preview1 · syscalls ⇅'),
    ),
    containerCard(c, selected, actions),
  );
}

export function renderDiagram(target: HTMLElement, model: DiagramModel, actions: DiagramActions): void {
  const shared = model.containers.filter((c) => c.mode === 'shared');
  const vm = model.containers.filter((c) => c.mode === 'vm');
  const busy = vm.filter((c) => c.state === 'starting' || c.state === 'running').length;
  const idle = Math.max(0, model.liveWorkers - busy);
  const host = h(
    'div',
    { class: 'host' },
    h(
      'div',
      { class: 'host-title' },
      'Host: this browser tab',
      h(
        'small',
        {},
        ` · ${location.origin} · ${model.isolated ? 'cross-origin isolated' : 'not cross-origin isolated'}`,
      ),
    ),
    h(
      'div',
      { class: 'host-body' },
      h(
        'div',
        { class: 'lane', id: 'lane-shared' },
        h(
          'div',
          { class: 'lane-title' },
          'Main thread · shared isolation',
          h(
            'small',
            {},
            ' kernels share the page’s thread, heap and event loop; a running guest holds the page',
          ),
        ),
        h(
          'div',
          { class: 'lane-body' },
          shared.length
            ? shared.map((c) => kernelBox(c, c.id === model.selected, actions))
            : h('div', { class: 'empty' }, 'no shared containers yet'),
        ),
      ),
      h(
        'div',
        { class: 'lane', id: 'lane-vm' },
        h(
          'div',
          { class: 'lane-title' },
          'Web Workers · vm isolation',
          h(
            'small',
            {},
            ` each kernel in its own worker: own thread and heap, hard kill · ${model.liveWorkers} worker(s) alive`,
          ),
        ),
        h(
          'div',
          { class: 'lane-body' },
          vm.map((c) =>
            h(
              'div',
              { class: `worker${c.state === 'running' || c.state === 'starting' ? '' : ' released'}` },
              h(
                'div',
                { class: 'w-title' },
                c.state === 'running' || c.state === 'starting' ? 'Web Worker' : 'Web Worker (released)',
              ),
              kernelBox(c, c.id === model.selected, actions),
            ),
          ),
          Array.from({ length: idle }, () =>
            h('div', { class: 'worker idle' }, h('div', { class: 'w-title' }, 'Web Worker · idle, warm')),
          ),
          vm.length || idle ? null : h('div', { class: 'empty' }, 'no vm containers yet'),
        ),
      ),
    ),
  );
  target.replaceChildren(host);
}
