// Path resolution stays inside its base directory whatever the mix of '..', absolute paths and symlinks.
import { describe, expect, it } from 'vitest';
import { MemFs } from '../../runtime/vfs/mem.js';
import { lookup, resolveNode } from '../../runtime/vfs/resolve.js';
import { FsError } from '../../runtime/vfs/types.js';

function tree() {
  const fs = new MemFs();
  const root = fs.root;
  const etc = root.mkdir('etc', 0o755);
  etc.createFile('passwd', 0o644);
  const home = root.mkdir('home', 0o755);
  const user = home.mkdir('user', 0o755);
  user.createFile('notes', 0o644);
  user.symlink('up', '../..');
  user.symlink('escape', '../../..');
  user.symlink('abs', '/etc/passwd');
  user.symlink('loop', 'loop');
  user.symlink('a', 'b');
  user.symlink('b', 'a');
  user.symlink('dirlink', '../user/');
  user.symlink('dangling', 'missing');
  return { fs, root, home, user };
}

function errno(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof FsError) return error.errno;
    throw error;
  }
  return 'ok';
}

describe('lookup', () => {
  it('walks plain paths, . and .. inside the base', () => {
    const { root, user } = tree();
    expect(resolveNode(root, 'home/user/notes', { follow: true })).toBe(user.get('notes'));
    expect(resolveNode(root, './home/./user/../user/notes', { follow: true })).toBe(user.get('notes'));
    expect(resolveNode(root, 'home/user/..', { follow: true }).kind).toBe('dir');
  });

  it('refuses absolute paths and .. above the base with ENOTCAPABLE', () => {
    const { root, user } = tree();
    expect(errno(() => lookup(root, '/etc/passwd', { follow: true }))).toBe('ENOTCAPABLE');
    expect(errno(() => lookup(root, '..', { follow: true }))).toBe('ENOTCAPABLE');
    expect(errno(() => lookup(root, 'home/../../etc', { follow: true }))).toBe('ENOTCAPABLE');
    expect(errno(() => lookup(user, '../user/notes', { follow: true }))).toBe('ENOTCAPABLE');
  });

  it('refuses symlinks that climb out of the base', () => {
    const { root, user } = tree();
    expect(errno(() => resolveNode(root, 'home/user/escape', { follow: true }))).toBe('ENOTCAPABLE');
    expect(errno(() => resolveNode(root, 'home/user/escape/etc/passwd', { follow: true }))).toBe(
      'ENOTCAPABLE',
    );
    expect(errno(() => resolveNode(user, 'up', { follow: true }))).toBe('ENOTCAPABLE');
    expect(resolveNode(root, 'home/user/up/etc/passwd', { follow: true }).kind).toBe('file');
  });

  it('resolves absolute symlinks against the container root only when given it', () => {
    const { root, user } = tree();
    expect(errno(() => resolveNode(root, 'home/user/abs', { follow: true }))).toBe('ENOTCAPABLE');
    expect(resolveNode(root, 'home/user/abs', { follow: true, root }).kind).toBe('file');
    expect(errno(() => resolveNode(user, 'abs', { follow: true, root }))).toBe('ENOTCAPABLE');
  });

  it('ends symlink loops with ELOOP', () => {
    const { user } = tree();
    expect(errno(() => resolveNode(user, 'loop', { follow: true }))).toBe('ELOOP');
    expect(errno(() => resolveNode(user, 'a', { follow: true }))).toBe('ELOOP');
    expect(errno(() => resolveNode(user, 'loop/x', { follow: false }))).toBe('ELOOP');
  });

  it('does not follow a final symlink unless asked, except with a trailing slash', () => {
    const { home, user } = tree();
    expect(lookup(user, 'dangling', { follow: false }).node?.kind).toBe('symlink');
    expect(lookup(user, 'dangling', { follow: true }).node).toBeUndefined();
    expect(lookup(home, 'user/dirlink', { follow: false }).node?.kind).toBe('symlink');
    expect(lookup(home, 'user/dirlink/', { follow: false }).node).toBe(user);
  });

  it('reports ENOTDIR through a file and ENOENT for a missing middle', () => {
    const { user } = tree();
    expect(errno(() => lookup(user, 'notes/x', { follow: true }))).toBe('ENOTDIR');
    expect(errno(() => lookup(user, 'nope/x', { follow: true }))).toBe('ENOENT');
    expect(errno(() => resolveNode(user, 'notes/', { follow: true }))).toBe('ENOTDIR');
    expect(errno(() => lookup(user, '', { follow: true }))).toBe('ENOENT');
    expect(errno(() => lookup(user, 'a\0b', { follow: true }))).toBe('EINVAL');
  });

  it('survives a fuzz of hostile paths without ever leaving the base', () => {
    const { home, user } = tree();
    const parts = ['..', '.', 'user', 'up', 'escape', 'abs', 'notes', 'dirlink', '', 'x'];
    let seed = 42;
    const next = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let i = 0; i < 2000; i++) {
      const n = 1 + (next() % 6);
      const path = Array.from({ length: n }, () => parts[next() % parts.length]).join('/');
      if (path === '') continue;
      try {
        const found = lookup(home, path, { follow: true });
        // Whatever was found lies under `home`: its parent is home or below it.
        expect([home, user]).toContain(found.parent);
      } catch (error) {
        expect(error).toBeInstanceOf(FsError);
      }
    }
  });
});
