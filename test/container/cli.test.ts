// ps, diff, cp and rm through the real `wasmbox` command (dist/, built by the global setup), over
// containers kept with the library in a temp WASMBOX_HOME holding the repo's layered image.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageOverlay } from '../../runtime/container/image-root.js';
import { keepContainer } from '../../runtime/container/keep.js';
import type { ContainerRecord } from '../../runtime/container/record.js';
import { resolveCommand } from '../../runtime/container/spec.js';
import { loadImage } from '../../runtime/image/images.js';
import { pullImage } from '../../runtime/image/pull.js';
import { openNodeContainers } from '../../runtime/platform/node/containers.js';
import { nodeFileApi } from '../../runtime/platform/node/file-api.js';
import { nodeSha256 } from '../../runtime/platform/node/hash.js';
import { openNodeStore } from '../../runtime/platform/node/images.js';
import { LayerTreeCache } from '../../runtime/unpack/cache.js';
import { changeEverything, dirAt, LAYERED } from './helpers.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/wasmbox.cjs');
const tmp = mkdtempSync(join(tmpdir(), 'wasmbox-ctr-cli-'));
const env = { WASMBOX_HOME: join(tmp, 'home') };
const out = join(tmp, 'out');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function wasmbox(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let web: ContainerRecord;

async function keep(name: string, exitCode: number, change: typeof changeEverything, created: Date) {
  const store = openNodeStore(env);
  const record = await pullImage(LAYERED, { store, files: nodeFileApi, createHasher: nodeSha256 });
  const image = await loadImage(store, record.name);
  const overlay = await imageOverlay(store, image, new LayerTreeCache());
  change(overlay.root);
  const command = resolveCommand(image.config?.config ?? {});
  return keepContainer(openNodeContainers(env), { name, image, command, exitCode, overlay, created });
}

beforeAll(async () => {
  mkdirSync(out);
  web = await keep(
    'web',
    3,
    (root) => {
      changeEverything(root);
      dirAt(root, '/data').symlink('escape', '/etc');
      dirAt(root, '/data').symlink('up', '../../../../tmp');
    },
    new Date(Date.now() - 3 * 3600_000),
  );
  await keep('idle', 0, () => {}, new Date(Date.now() - 10 * 60_000));
});

describe('wasmbox ps', () => {
  it('-a lists kept containers newest first, like docker', () => {
    const r = wasmbox('ps', '-a');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+NAMES$/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(
      /^[0-9a-f]{12}\s+.*layered.*\s+"\/bin\/ls\.wasm \/data"\s+10 minutes ago\s+Exited \(0\) .* ago\s+idle$/,
    );
    expect(lines[2]).toMatch(
      new RegExp(
        `^${web.id.slice(0, 12)}\\s+\\S+\\s+"/bin/ls.wasm /data"\\s+3 hours ago\\s+Exited \\(3\\) (Less than a second|\\d+ seconds) ago\\s+web$`,
      ),
    );
  });

  it('without -a shows only running containers; -q prints ids', () => {
    expect(wasmbox('ps').stdout.trimEnd().split('\n')).toHaveLength(1);
    const ids = wasmbox('ps', '-aq', '--no-trunc').stdout.trimEnd().split('\n');
    expect(ids).toContain(web.id);
  });
});

describe('wasmbox diff', () => {
  it("prints docker's A/C/D list of the kept container", () => {
    const r = wasmbox('diff', 'web');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    for (const line of [
      'C /etc/motd',
      'A /data/added.txt',
      'D /data/new.txt',
      'D /data/old',
      'C /data/opaque',
    ]) {
      expect(lines).toContain(line);
    }
    const paths = lines.map((l) => l.slice(2));
    expect(paths).toEqual([...paths].sort());
    expect(wasmbox('diff', 'idle').stdout).toBe('');
  });

  it('names a missing container', () => {
    const r = wasmbox('diff', 'nope');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('No such container: nope [ERR_NOT_FOUND]');
  });
});

describe('wasmbox cp', () => {
  it('copies a file to a new path and into a directory, keeping mode and mtime', () => {
    expect(wasmbox('cp', 'web:/etc/motd', join(out, 'motd')).code).toBe(0);
    expect(readFileSync(join(out, 'motd'), 'utf8')).toBe('changed\n');
    mkdirSync(join(out, 'into'));
    expect(wasmbox('cp', 'web:/bin/cat.wasm', join(out, 'into')).code).toBe(0);
    const st = statSync(join(out, 'into', 'cat.wasm'));
    expect(st.mode & 0o777).toBe(0o755);
    expect(Math.floor(st.mtimeMs / 1000)).toBe(1_111_111_111);
    // A lower file the container never touched.
    expect(wasmbox('cp', 'web:data/keep/k-hardlink.txt', join(out, 'k')).code).toBe(0);
    expect(readFileSync(join(out, 'k'), 'utf8')).toBe('k changed\n');
  });

  it('copies a directory (or with /. its contents), symlinks as symlinks, hard links as links', () => {
    const r = wasmbox('cp', 'web:/data', join(out, 'data'));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^Successfully copied [\d.]+kB to /);
    expect(readdirSync(join(out, 'data')).sort()).toEqual(
      expect.arrayContaining([
        'added.txt',
        'added-link',
        'big.bin',
        'empty',
        'keep',
        'opaque',
        'sl',
        'grüße.txt',
      ]),
    );
    expect(readdirSync(join(out, 'data'))).not.toContain('new.txt');
    expect(readlinkSync(join(out, 'data', 'sl'))).toBe('../etc/motd');
    expect(statSync(join(out, 'data', 'added.txt')).ino).toBe(statSync(join(out, 'data', 'added-link')).ino);
    expect(statSync(join(out, 'data', 'opaque')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(out, 'data', 'opaque'))).toEqual(['z.txt']);
    expect(readFileSync(join(out, 'data', 'big.bin')).length).toBe(200_000);
    mkdirSync(join(out, 'contents'));
    expect(wasmbox('cp', 'web:/data/keep/.', join(out, 'contents')).code).toBe(0);
    expect(readdirSync(join(out, 'contents')).sort()).toEqual(['k-hardlink.txt', 'k.txt']);
  });

  it('never writes outside HOSTPATH: symlinks are copied, host symlinks in the way replaced', () => {
    // The container's absolute and climbing symlinks stay symlinks; nothing is followed on the host.
    const dest = join(out, 'guarded');
    mkdirSync(dest);
    const victim = join(tmp, 'victim.txt');
    writeFileSync(victim, 'host data\n');
    symlinkSync(victim, join(dest, 'motd'));
    expect(wasmbox('cp', 'web:/etc/motd', join(dest, 'motd')).code).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('host data\n');
    expect(lstatSync(join(dest, 'motd')).isFile()).toBe(true);
    expect(wasmbox('cp', 'web:/data/escape', join(dest, 'escape')).code).toBe(0);
    expect(readlinkSync(join(dest, 'escape'))).toBe('/etc');
    // -L follows it, inside the container: /data/escape/motd is the container's /etc/motd.
    expect(wasmbox('cp', '-L', 'web:/data/escape', join(dest, 'followed')).code).toBe(0);
    expect(readFileSync(join(dest, 'followed', 'motd'), 'utf8')).toBe('changed\n');
    expect(wasmbox('cp', 'web:/data/up/x', join(dest, 'x')).code).not.toBe(0);
    expect(existsSync(join(dest, 'x'))).toBe(false);
  });

  it('reports what docker cp reports', () => {
    expect(wasmbox('cp', 'web:/nope', join(out, 'n')).stderr).toContain(
      'Could not find the file /nope in container web [ERR_NOT_FOUND]',
    );
    expect(wasmbox('cp', 'web:/data', join(out, 'motd')).stderr).toContain(
      'cannot copy a directory to a file',
    );
    expect(wasmbox('cp', 'web:/etc/motd', join(out, 'missing', 'dir', 'x')).stderr).toContain(
      'parent directory',
    );
  });
});

describe('wasmbox cp into a container', () => {
  it('copies host files and directories in (links, symlinks, modes); diff and cp out see them', async () => {
    const host = join(tmp, 'host-in');
    mkdirSync(join(host, 'tree', 'sub'), { recursive: true });
    writeFileSync(join(host, 'note.txt'), 'from the host\n', { mode: 0o640 });
    writeFileSync(join(host, 'tree', 'sub', 'deep.txt'), 'deep');
    linkSync(join(host, 'tree', 'sub', 'deep.txt'), join(host, 'tree', 'hard.txt'));
    symlinkSync('sub/deep.txt', join(host, 'tree', 'soft'));
    const old = new Date('2020-02-02T02:02:02Z');
    utimesSync(join(host, 'note.txt'), old, old);

    const file = wasmbox('cp', join(host, 'note.txt'), 'idle:/etc/');
    expect(file).toMatchObject({ code: 0, stderr: 'Successfully copied 14B to idle:/etc/\n' });
    expect(wasmbox('cp', join(host, 'tree'), 'idle:/data/tree-copy').code).toBe(0);
    expect(wasmbox('cp', `${join(host, 'tree')}/.`, 'idle:/data').code).toBe(0);
    // Over an existing file: replaced.
    writeFileSync(join(host, 'motd'), 'new motd');
    expect(wasmbox('cp', join(host, 'motd'), 'idle:/etc/motd').code).toBe(0);

    const diff = wasmbox('diff', 'idle').stdout.trimEnd().split('\n');
    expect(diff).toEqual(
      expect.arrayContaining([
        'A /etc/note.txt',
        'C /etc/motd',
        'A /data/tree-copy',
        'A /data/tree-copy/sub/deep.txt',
        'A /data/soft',
      ]),
    );

    const back = join(out, 'back-in');
    mkdirSync(back);
    expect(wasmbox('cp', 'idle:/etc/note.txt', join(back, 'note.txt')).code).toBe(0);
    expect(readFileSync(join(back, 'note.txt'), 'utf8')).toBe('from the host\n');
    expect(statSync(join(back, 'note.txt')).mode & 0o777).toBe(0o640);
    expect(statSync(join(back, 'note.txt')).mtime.toISOString()).toBe(old.toISOString());
    expect(wasmbox('cp', 'idle:/etc/motd', join(back, 'motd')).code).toBe(0);
    expect(readFileSync(join(back, 'motd'), 'utf8')).toBe('new motd');
    expect(wasmbox('cp', 'idle:/data/tree-copy', join(back, 'tree')).code).toBe(0);
    expect(readFileSync(join(back, 'tree', 'sub', 'deep.txt'), 'utf8')).toBe('deep');
    expect(statSync(join(back, 'tree', 'hard.txt')).ino).toBe(
      statSync(join(back, 'tree', 'sub', 'deep.txt')).ino,
    );
    expect(readlinkSync(join(back, 'tree', 'soft'))).toBe('sub/deep.txt');
  });

  it('refuses what docker cp refuses, and changes nothing then', () => {
    const host = join(tmp, 'host-refused');
    mkdirSync(join(host, 'dir'), { recursive: true });
    writeFileSync(join(host, 'f'), 'x');
    const before = wasmbox('diff', 'web').stdout;
    expect(wasmbox('cp', join(host, 'dir'), 'web:/etc/motd').stderr).toContain(
      'cannot copy a directory to a file',
    );
    expect(wasmbox('cp', join(host, 'f'), 'web:/no/such/dir/f').stderr).toContain('parent directory');
    expect(wasmbox('cp', join(host, 'f'), 'web:/missing-dir/').stderr).toContain('does not exist');
    expect(wasmbox('cp', join(host, 'nope'), 'web:/etc').stderr).toContain('[ERR_NOT_FOUND]');
    expect(wasmbox('cp', join(host, 'f'), 'ghost:/etc').stderr).toContain('[ERR_NOT_FOUND]');
    expect(wasmbox('diff', 'web').stdout).toBe(before);
  });
});

describe('wasmbox rm', () => {
  it('removes containers by name, frees the name; a missing one fails unless -f', async () => {
    const extra = await keep('extra', 1, () => {}, new Date());
    const conflict = keep('extra', 1, () => {}, new Date());
    await expect(conflict).rejects.toThrow('Conflict. The container name "/extra" is already in use');
    const r = wasmbox('rm', 'extra', 'missing');
    expect(r.stdout).toBe('extra\n');
    expect(r.stderr).toContain('No such container: missing');
    expect(r.code).toBe(1);
    expect(existsSync(join(env.WASMBOX_HOME, 'containers', extra.id))).toBe(false);
    expect(wasmbox('ps', '-a').stdout).not.toContain('extra');
    expect(wasmbox('rm', '-f', 'missing')).toMatchObject({ code: 0, stdout: '' });
    await keep('extra', 0, () => {}, new Date());
    expect(wasmbox('rm', web.id.slice(0, 12)).stdout).toBe(`${web.id.slice(0, 12)}\n`);
    expect(wasmbox('diff', 'web').code).not.toBe(0);
  });
});
