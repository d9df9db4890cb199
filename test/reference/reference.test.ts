// Image references: Docker's normalisation, local transports, and early rejection of bad input.

import { describe, expect, it } from 'vitest';
import { familiarName, formatReference, parseReference } from '../../runtime/reference/reference.js';

const digest = `sha256:${'a'.repeat(64)}`;

describe('parseReference', () => {
  it.each([
    ['hello', 'docker.io/library/hello:latest'],
    ['hello:1.0', 'docker.io/library/hello:1.0'],
    ['user/app', 'docker.io/user/app:latest'],
    ['docker.io/hello', 'docker.io/library/hello:latest'],
    ['index.docker.io/library/hello:2', 'docker.io/library/hello:2'],
    ['docker://hello', 'docker.io/library/hello:latest'],
    ['localhost/x', 'localhost/x:latest'],
    ['localhost:5000/x/y:tag', 'localhost:5000/x/y:tag'],
    ['127.0.0.1:5000/app', '127.0.0.1:5000/app:latest'],
    ['[::1]:5000/app:v1', '[::1]:5000/app:v1'],
    ['ghcr.io/owner/my_app.x-y:v1.2-rc', 'ghcr.io/owner/my_app.x-y:v1.2-rc'],
    [`ghcr.io/o/a@${digest}`, `ghcr.io/o/a@${digest}`],
    [`ghcr.io/o/a:tag@${digest}`, `ghcr.io/o/a:tag@${digest}`],
    ['Registry/app', 'Registry/app:latest'],
  ])('%s → %s', (input, expected) => {
    expect(formatReference(parseReference(input))).toBe(expected);
  });

  it('keeps the parts apart', () => {
    expect(parseReference(`localhost:5000/a/b:t@${digest}`)).toMatchObject({
      transport: 'registry',
      domain: 'localhost:5000',
      repository: 'a/b',
      tag: 't',
      digest,
    });
  });

  it.each([
    ['oci:/tmp/layout', { transport: 'oci', path: '/tmp/layout' }],
    ['oci:/tmp/layout:v1', { transport: 'oci', path: '/tmp/layout', tag: 'v1' }],
    [
      'oci:dir:docker.io/library/hello:latest',
      { transport: 'oci', path: 'dir', tag: 'docker.io/library/hello:latest' },
    ],
    ['oci-archive:/tmp/a.tar:app', { transport: 'oci-archive', path: '/tmp/a.tar', tag: 'app' }],
  ])('local transport %s', (input, expected) => {
    expect(parseReference(input)).toEqual(expected);
  });

  it.each([
    ['', 'empty'],
    ['Hello', 'lowercase'],
    ['docker.io/Library/hello', 'lowercase'],
    ['hello:', 'not a valid tag'],
    ['hello:-bad', 'not a valid tag'],
    ['hello@sha256:abc', 'not a sha256 digest'],
    ['hello@md5:abc', 'not a sha256 digest'],
    ['a//b', 'not a valid name component'],
    ['a/-b', 'not a valid name component'],
    ['bad_host!.io/x', 'not a valid registry host'],
    ['oci:', 'needs a path'],
    ['oci:/x:bad tag', 'not a valid OCI layout reference name'],
    [`x/${'a'.repeat(256)}`, 'longer than 255'],
  ])('rejects %j', (input, why) => {
    expect(() => parseReference(input)).toThrow(why);
    try {
      parseReference(input);
    } catch (error) {
      expect((error as { code: string }).code).toBe('ERR_INVALID_ARGUMENT');
    }
  });
});

describe('familiarName', () => {
  it('shortens Docker Hub names like docker does', () => {
    expect(familiarName('docker.io/library/hello')).toBe('hello');
    expect(familiarName('docker.io/user/app')).toBe('user/app');
    expect(familiarName('ghcr.io/o/a')).toBe('ghcr.io/o/a');
  });
});
