// Starts Debian's docker-registry (CNCF distribution 2.8) on 127.0.0.1 with a generated config, in
// one of three modes: anonymous, htpasswd Basic, or Bearer tokens from a small issuer (token-issuer.ts).

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTokenIssuer, type TokenIssuer } from './token-issuer.js';

export type RegistryMode = 'anonymous' | 'basic' | 'token';

export interface TestRegistry {
  /** `127.0.0.1:PORT`: the reference domain. */
  host: string;
  url: string;
  mode: RegistryMode;
  user: { username: string; password: string };
  issuer?: TokenIssuer;
  /** skopeo flags for pushing to it (plain HTTP, credentials when needed). */
  skopeoDest: string[];
  stop(): Promise<void>;
}

export const testUser = { username: 'wasmbox', password: 's3cret-pass' };

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitReady(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${stderr()}`);
    try {
      await fetch(`${url}/v2/`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  throw new Error(`docker-registry did not start: ${stderr()}`);
}

export async function startRegistry(mode: RegistryMode = 'anonymous'): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'wasmbox-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  let auth = '';
  let issuer: TokenIssuer | undefined;
  if (mode === 'basic') {
    const line = execFileSync('htpasswd', ['-nbB', testUser.username, testUser.password], {
      encoding: 'utf8',
    });
    writeFileSync(join(dir, 'htpasswd'), line);
    auth = `auth:\n  htpasswd:\n    realm: wasmbox-test\n    path: ${join(dir, 'htpasswd')}\n`;
  } else if (mode === 'token') {
    issuer = await startTokenIssuer(dir, testUser);
    auth = `auth:\n  token:\n    realm: ${issuer.url}/token\n    service: ${issuer.service}\n    issuer: ${issuer.issuer}\n    rootcertbundle: ${issuer.certFile}\n`;
  }
  const config = `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${join(dir, 'data')}
  delete:
    enabled: true
http:
  addr: ${host}
${auth}`;
  writeFileSync(join(dir, 'config.yml'), config);
  const child = spawn('/usr/bin/docker-registry', ['serve', join(dir, 'config.yml')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let errors = '';
  child.stderr?.on('data', (c: Buffer) => {
    errors += c.toString();
  });
  const url = `http://${host}`;
  await waitReady(url, child, () => errors);
  const creds = mode === 'anonymous' ? [] : [`--dest-creds=${testUser.username}:${testUser.password}`];
  return {
    host,
    url,
    mode,
    user: testUser,
    ...(issuer ? { issuer } : {}),
    skopeoDest: ['--dest-tls-verify=false', ...creds],
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      await issuer?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
