// The file browser: the selected container's file system, each entry marked with the image layer
// it came from or as written by the container (the overlay's diff), files downloadable.

import { diff } from '../../../runtime/vfs/overlay-diff.js';
import type { DirNode, VNode } from '../../../runtime/vfs/types.js';
import { readWholeFile } from '../../../runtime/vfs/whole-file.js';
import type { Container } from './containers.js';
import { formatBytes, h, shortDigest } from './dom.js';

const MAX_ENTRIES = 3000;

function readAll(node: VNode): Uint8Array {
  return node.kind === 'file' ? readWholeFile(node) : new Uint8Array(0);
}

function download(name: string, node: VNode): void {
  const blob = new Blob([readAll(node) as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' });
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

interface Row {
  path: string;
  name: string;
  depth: number;
  node?: VNode;
  deleted?: boolean;
}

function walk(dir: DirNode, prefix: string, depth: number, rows: Row[]): void {
  const entries = [...dir.list()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [name, node] of entries) {
    if (rows.length >= MAX_ENTRIES) return;
    const path = `${prefix}/${name}`;
    rows.push({ path, name, depth, node });
    if (node.kind === 'dir') walk(node, path, depth + 1, rows);
  }
}

export function renderFiles(
  target: HTMLElement,
  heading: HTMLElement,
  container: Container | undefined,
): void {
  if (!container?.root) {
    heading.textContent = '';
    target.replaceChildren(h('p', { class: 'empty' }, 'Run a container to browse its files.'));
    return;
  }
  const root = container.root;
  const changes = container.rootView === 'image' ? [] : diff(root);
  const changed = new Map(changes.map((c) => [c.path, c.kind]));
  const rows: Row[] = [];
  walk(root.root, '', 0, rows);
  for (const c of changes) {
    if (c.kind !== 'D') continue;
    const depth = c.path.split('/').length - 2;
    rows.push({ path: c.path, name: c.path.slice(c.path.lastIndexOf('/') + 1), depth, deleted: true });
  }
  rows.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  heading.textContent = `· ${container.name}`;

  const layerChip = (index: number) =>
    h('span', { class: `origin layer l${index % 6}` }, `layer ${index + 1}`);
  const legend = h(
    'div',
    { class: 'legend' },
    container.layers.map((layer, i) =>
      h(
        'span',
        { class: 'legend-item', title: layer.digest },
        layerChip(i),
        ` ${shortDigest(layer.digest)} · ${formatBytes(layer.size)}`,
      ),
    ),
    h(
      'span',
      { class: 'legend-item' },
      h('span', { class: 'origin written' }, 'written'),
      ' by the container',
    ),
  );
  const note =
    container.rootView === 'live'
      ? `shared isolation: the container's own copy-on-write root, ${container.state === 'running' ? 'live' : 'as it left it'}.`
      : container.rootView === 'returned'
        ? 'vm isolation: the root as the container left it, rebuilt here from the image and the writable layer its worker sent back at exit.'
        : container.state === 'running' || container.state === 'starting'
          ? 'vm isolation: the root lives in the container’s worker; shown here are the image’s files until it exits.'
          : 'vm isolation: the container’s writes ended with its worker (killed or failed); shown here are the image’s files.';

  const list = h(
    'div',
    { class: 'file-list', role: 'tree' },
    rows.map((row) => {
      const kind = changed.get(row.path);
      const layer = container.origins?.get(row.path);
      let origin: HTMLElement | null = null;
      if (row.deleted) origin = h('span', { class: 'origin deleted' }, 'deleted');
      else if (kind) origin = h('span', { class: 'origin written' }, kind === 'A' ? 'written' : 'changed');
      else if (layer !== undefined) origin = layerChip(layer);
      const node = row.node;
      const isFile = node?.kind === 'file';
      const size = isFile ? formatBytes(Number(node.stat().size)) : '';
      const label =
        node?.kind === 'dir'
          ? `${row.name}/`
          : node?.kind === 'symlink'
            ? `${row.name} → ${node.target}`
            : row.name;
      const el = h(
        'div',
        {
          class: `file kind-${node?.kind ?? 'deleted'}`,
          role: 'treeitem',
          'data-path': row.path,
          'data-origin': row.deleted
            ? 'deleted'
            : kind
              ? 'container'
              : layer !== undefined
                ? `layer-${layer + 1}`
                : '',
          style: `padding-left: ${0.4 + row.depth * 1.1}rem`,
        },
        h('span', { class: 'f-name' }, label),
        origin,
        h('span', { class: 'f-size' }, size),
        isFile
          ? h('button', { type: 'button', class: 'download', title: `download ${row.path}` }, '⤓')
          : null,
      );
      if (isFile && node) {
        el.querySelector('button')?.addEventListener('click', () => download(row.name, node));
      }
      return el;
    }),
    rows.length >= MAX_ENTRIES ? h('div', { class: 'empty' }, `(first ${MAX_ENTRIES} entries)`) : null,
  );
  target.replaceChildren(h('p', { class: 'note' }, note), legend, list);
}
