// The registry client against a real docker-registry in its three auth modes: anonymous, htpasswd
// Basic, and Bearer tokens from a token issuer; plus Docker config credentials and the login verbs.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../runtime/content/memory.js';
import { pullImage } from '../../runtime/image/pull.js';
import { parseReference, type RegistryReference } from '../../runtime/reference/reference.js';
import { parseChallenges } from '../../runtime/registry/auth.js';
import { RegistryClient } from '../../runtime/registry/client.js';
import {
  credentialsFromConfig,
  withCredentials,
  withoutCredentials,
} from '../../runtime/registry/credentials.js';
import { isInsecureAllowed, registryBaseUrl } from '../../runtime/registry/hosts.js';
import { pushFixtures } from '../fixtures/images.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

const registries: Partial<Record<'anonymous' | 'basic' | 'token', TestRegistry>> = {};

beforeAll(async () => {
  const started = await Promise.all((['anonymous', 'basic', 'token'] as const).map((m) => startRegistry(m)));
  for (const r of started) registries[r.mode] = r;
  await Promise.all(started.map((r) => pushFixtures(r, ['hello'])));
});
afterAll(async () => {
  await Promise.all(Object.values(registries).map((r) => r?.stop()));
});

const reg = (mode: 'anonymous' | 'basic' | 'token') => registries[mode]!;
const ref = (r: TestRegistry) => parseReference(`${r.host}/hello:latest`) as RegistryReference;
const quick = { retries: 1, baseDelayMs: 1 };

describe('auth modes', () => {
  it('anonymous: pulls without credentials', async () => {
    const record = await pullImage(`${reg('anonymous').host}/hello`, { store: new MemoryStore(), fetch });
    expect(record.annotations['io.wasmbox.platform']).toBe('wasip1/wasm');
  });

  it('basic: pulls with credentials, fails clearly without or with a wrong password', async () => {
    const r = reg('basic');
    await pullImage(`${r.host}/hello`, { store: new MemoryStore(), fetch, credentials: async () => r.user });
    await expect(pullImage(`${r.host}/hello`, { store: new MemoryStore(), fetch })).rejects.toMatchObject({
      code: 'ERR_UNAUTHORIZED',
      message: expect.stringContaining(`wasmbox login ${r.host}`),
    });
    await expect(
      pullImage(`${r.host}/hello`, {
        store: new MemoryStore(),
        fetch,
        credentials: async () => ({ username: r.user.username, password: 'wrong' }),
      }),
    ).rejects.toMatchObject({ code: 'ERR_UNAUTHORIZED' });
  });

  it('token: gets one token per scope and reuses it until it expires', async () => {
    const r = reg('token');
    const issuer = r.issuer!;
    issuer.requests.length = 0;
    const client = new RegistryClient({ fetch, credentials: async () => r.user, retry: quick });
    const store = new MemoryStore();
    await pullImage(`${r.host}/hello`, { store, client });
    await pullImage(`${r.host}/hello`, { store: new MemoryStore(), client });
    expect(issuer.requests).toEqual([{ scope: 'repository:hello:pull', user: r.user.username }]);
  });

  it('concurrent first requests (the scheme not yet known) all get through, with one token', async () => {
    for (const mode of ['basic', 'token'] as const) {
      const r = reg(mode);
      r.issuer?.requests.splice(0);
      const client = new RegistryClient({ fetch, credentials: async () => r.user, retry: quick });
      const manifests = await Promise.all(
        Array.from({ length: 6 }, () => client.getManifest(ref(r), 'latest')),
      );
      expect(new Set(manifests.map((m) => m.bytes.length)).size).toBe(1);
      if (mode === 'token') {
        expect(r.issuer!.requests).toEqual([{ scope: 'repository:hello:pull', user: r.user.username }]);
      }
    }
  });

  it('token: anonymous token without pull rights is an UNAUTHORIZED error naming the image', async () => {
    const r = reg('token');
    await expect(
      pullImage(`${r.host}/hello`, { store: new MemoryStore(), fetch, retry: quick }),
    ).rejects.toMatchObject({
      code: 'ERR_UNAUTHORIZED',
      message: expect.stringContaining(`${r.host}/hello`),
    });
    r.issuer!.allowAnonymousPull = true;
    try {
      await pullImage(`${r.host}/hello`, { store: new MemoryStore(), fetch });
    } finally {
      r.issuer!.allowAnonymousPull = false;
    }
  });

  it('ping checks credentials the way login does', async () => {
    for (const mode of ['basic', 'token'] as const) {
      const r = reg(mode);
      await new RegistryClient({ fetch, credentials: async () => r.user }).ping(r.host);
      const bad = new RegistryClient({
        fetch,
        credentials: async () => ({ username: 'x', password: 'y' }),
        retry: quick,
      });
      await expect(bad.ping(r.host)).rejects.toMatchObject({ code: 'ERR_UNAUTHORIZED' });
    }
  });

  it('unknown tags and repositories are NOT_FOUND errors naming them', async () => {
    const r = reg('anonymous');
    const client = new RegistryClient({ fetch });
    await expect(client.getManifest(ref(r), 'nope')).rejects.toMatchObject({
      code: 'ERR_NOT_FOUND',
      message: expect.stringMatching(/hello:nope: MANIFEST_UNKNOWN/),
    });
    await expect(
      pullImage(`${r.host}/missing/repo:1`, { store: new MemoryStore(), fetch }),
    ).rejects.toMatchObject({
      code: 'ERR_NOT_FOUND',
      message: expect.stringContaining('missing/repo:1'),
    });
  });
});

describe('auth pieces', () => {
  it('parses WWW-Authenticate challenges', () => {
    expect(
      parseChallenges(
        'Bearer realm="https://auth.example/token",service="reg",scope="repository:a/b:pull,push"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: { realm: 'https://auth.example/token', service: 'reg', scope: 'repository:a/b:pull,push' },
      },
    ]);
    expect(parseChallenges('Basic realm="x", Bearer realm="y"').map((c) => c.scheme)).toEqual([
      'basic',
      'bearer',
    ]);
  });

  it('reads and writes Docker config credentials', () => {
    const text = withCredentials('{"credsStore":"desktop"}', 'docker.io', { username: 'u', password: 'p:w' });
    expect(JSON.parse(text)).toMatchObject({
      credsStore: 'desktop',
      auths: { 'https://index.docker.io/v1/': { auth: btoa('u:p:w') } },
    });
    expect(credentialsFromConfig(text, 'docker.io')).toEqual({ username: 'u', password: 'p:w' });
    expect(credentialsFromConfig('{"auths":{"https://ghcr.io/v2/":{"auth":"YTpi"}}}', 'ghcr.io')).toEqual({
      username: 'a',
      password: 'b',
    });
    expect(credentialsFromConfig(text, 'ghcr.io')).toBeUndefined();
    expect(withoutCredentials(text, 'docker.io').removed).toBe(true);
    expect(() => credentialsFromConfig('[]', 'x')).toThrow(/not a valid Docker config/);
  });

  it('uses HTTPS except for loopback and insecure registries', () => {
    expect(registryBaseUrl('docker.io')).toBe('https://registry-1.docker.io');
    expect(registryBaseUrl('ghcr.io')).toBe('https://ghcr.io');
    expect(registryBaseUrl('localhost:5000')).toBe('http://localhost:5000');
    expect(registryBaseUrl('[::1]:5000')).toBe('http://[::1]:5000');
    expect(registryBaseUrl('127.0.0.1:5000')).toBe('http://127.0.0.1:5000');
    expect(registryBaseUrl('reg.lan:5000', ['reg.lan:5000'])).toBe('http://reg.lan:5000');
    expect(isInsecureAllowed('reg.lan:5000', ['reg.lan'])).toBe(true);
    expect(isInsecureAllowed('evil.localhost.com', [])).toBe(false);
  });
});
