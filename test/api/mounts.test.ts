// Node-only mounts: host directories (shared: opened in this thread; vm: by the worker) and memfs
// Volumes (live: the guest's writes land in the volume), read-only and read-write.

import { mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Volume } from 'memfs';
import { afterAll, describe, expect, it } from 'vitest';
import type { VolumeLike } from '../../runtime/index.js';
import { nodeEnv } from './node-env.js';

const env = nodeEnv();
const dir = mkdtempSync(join(tmpdir(), 'wasmbox-api-mounts-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(env.home, { recursive: true, force: true });
});

function hostDir(name: string): string {
  const path = join(dir, name);
  mkdirSync(path);
  writeFileSync(join(path, 'note.txt'), 'from the host');
  return path;
}

describe('host directory mounts', () => {
  for (const isolation of ['shared', 'vm'] as const) {
    it(`${isolation}: read-only refuses writes, read-write changes the host directory`, async () => {
      const rt = env.createRuntime();
      try {
        const ro = hostDir(`${isolation}-ro`);
        const cat = await rt.exec(env.layout('cat'), {
          isolation,
          args: ['/data/note.txt'],
          mounts: [{ target: '/data', hostPath: ro, readOnly: true }],
        });
        expect(cat.stdout).toBe('from the host');
        const fsxRo = await rt.exec(await env.wasm('fsx'), {
          isolation,
          args: ['/data'],
          mounts: [{ target: '/data', hostPath: ro, readOnly: true }],
        });
        expect(fsxRo.code).not.toBe(0);
        expect(readdirSync(ro)).toEqual(['note.txt']);
        const rw = hostDir(`${isolation}-rw`);
        const written = await rt.exec(await env.wasm('write-file'), {
          isolation,
          cwd: '/data',
          mounts: [{ target: '/data', hostPath: rw }],
        });
        expect(written.code).toBe(0);
        // write-file writes /out.txt in the root; fsx proves writes through the mount.
        const fsx = await rt.exec(await env.wasm('fsx'), {
          isolation,
          args: ['/data'],
          mounts: [{ target: '/data', hostPath: rw }],
        });
        expect(fsx.stdout).toContain('checks passed');
        expect(fsx.code).toBe(0);
      } finally {
        await rt.close();
      }
    });
  }

  it('a missing host directory fails with ERR_INVALID_ARGUMENT naming it, in both modes', async () => {
    const rt = env.createRuntime();
    const missing = join(dir, 'missing');
    await expect(
      rt.run(env.layout('cat'), { mounts: [{ target: '/data', hostPath: missing }] }),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', message: expect.stringContaining(missing) });
    const c = await rt.run(env.layout('cat'), {
      isolation: 'vm',
      mounts: [{ target: '/data', hostPath: missing }],
    });
    await expect(c.exit).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
      message: expect.stringContaining(missing),
    });
    await rt.close();
  });

  it('killing a vm guest leaves no host file open', async () => {
    const rt = env.createRuntime();
    const rw = hostDir('fds');
    writeFileSync(join(rw, 'big.txt'), 'x'.repeat(4 << 20));
    const big = join(rw, 'big.txt');
    const open = () =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`) === big;
        } catch {
          return false;
        }
      }).length;
    // Nobody reads stdout: past 1 MiB unread the guest waits, in the middle of big.txt.
    const c = await rt.run(env.layout('cat'), {
      isolation: 'vm',
      args: ['/data/big.txt'],
      mounts: [{ target: '/data', hostPath: rw }],
    });
    for (let i = 0; i < 100 && open() === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(open()).toBe(1);
    c.kill();
    expect((await c.exit).reason).toBe('killed');
    await rt.close();
    for (let i = 0; i < 50 && open() > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(open()).toBe(0);
  });
});

describe('memfs Volume mounts', () => {
  it('are live: the guest reads the volume and its writes land in it; read-only refuses', async () => {
    const vol = Volume.fromJSON({ '/in/a.txt': 'volume text', '/in/sub/b.txt': 'b' });
    const volume: VolumeLike = vol;
    const rt = env.createRuntime();
    try {
      const cat = await rt.exec(env.layout('cat'), {
        args: ['/v/a.txt'],
        mounts: [{ target: '/v', volume, path: '/in', readOnly: true }],
      });
      expect(cat.stdout).toBe('volume text');
      const ls = await rt.exec(await env.wasm('ls'), {
        args: ['/v'],
        mounts: [{ target: '/v', volume, path: '/in' }],
      });
      expect(ls.stdout).toMatch(/a\.txt[\s\S]*sub/);
      const ro = await rt.exec(await env.wasm('fsx'), {
        args: ['/v'],
        mounts: [{ target: '/v', volume, path: '/in', readOnly: true }],
      });
      expect(ro.code).not.toBe(0);
      const fsx = await rt.exec(await env.wasm('fsx'), {
        args: ['/v'],
        mounts: [{ target: '/v', volume, path: '/in' }],
      });
      expect(fsx.stdout).toContain('checks passed');
      expect(fsx.code).toBe(0);
      const c = await rt.create(env.layout('cat'), { mounts: [{ target: '/v', volume }] });
      await c.fs.writeFile('/v/in/from-fs.txt', 'through container.fs');
      expect(vol.readFileSync('/in/from-fs.txt', 'utf8')).toBe('through container.fs');
      c.kill();
      await expect(
        rt.create(env.layout('cat'), { isolation: 'vm', mounts: [{ target: '/v', volume }] }),
      ).rejects.toMatchObject({ code: 'ERR_NOT_SUPPORTED' });
    } finally {
      await rt.close();
    }
  });
});
