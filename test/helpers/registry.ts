// Starts Debian's docker-registry (CNCF distribution 2.8) on 127.0.0.1 with a generated config, in
// one of three modes: anonymous, htpasswd Basic, or Bearer tokens from a small issuer (token-issuer.ts).
// With `tls`, it serves HTTPS with a certificate from a throwaway CA on 127.0.0.2: still loopback,
// but not a host wasmbox reaches over plain HTTP, so clients use HTTPS and must trust the CA.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
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
  /** skopeo flags for pushing to it (no TLS verification, credentials when needed). */
  skopeoDest: string[];
  /** With `tls`: the PEM file of the CA that signed its certificate. */
  caFile?: string;
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

async function waitReady(url: string, child: ChildProcess, stderr: () => string, ca?: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${stderr()}`);
    try {
      if (ca) await tlsPing(url, ca);
      else await fetch(`${url}/v2/`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  throw new Error(`docker-registry did not start: ${stderr()}`);
}

/** A CA and a certificate for `ip` signed by it (openssl), in `dir`. */
function makeCertificates(dir: string, ip: string): { ca: string; cert: string; key: string } {
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
    '-days',
    '1',
    '-subj',
    '/CN=wasmbox test CA',
  );
  openssl('req', ...ec, '-keyout', file('tls.key'), '-out', file('tls.csr'), '-subj', `/CN=${ip}`);
  writeFileSync(file('san.ext'), `subjectAltName=IP:${ip}\n`);
  openssl(
    'x509',
    '-req',
    '-in',
    file('tls.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-out',
    file('tls.pem'),
    '-days',
    '1',
    '-extfile',
    file('san.ext'),
  );
  return { ca: file('ca.pem'), cert: file('tls.pem'), key: file('tls.key') };
}

/** One HTTPS GET of /v2/ trusting `ca` (the global fetch takes no CA). */
function tlsPing(url: string, ca: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = httpsGet(`${url}/v2/`, { ca: readFileSync(ca) }, (res) => {
      res.resume();
      resolve();
    });
    request.once('error', reject);
  });
}

export async function startRegistry(
  mode: RegistryMode = 'anonymous',
  options: { tls?: boolean } = {},
): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'wasmbox-registry-'));
  const port = await freePort();
  const ip = options.tls ? '127.0.0.2' : '127.0.0.1';
  const host = `${ip}:${port}`;
  const certificates = options.tls ? makeCertificates(dir, ip) : undefined;
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
${certificates ? `  tls:\n    certificate: ${certificates.cert}\n    key: ${certificates.key}\n` : ''}${auth}`;
  writeFileSync(join(dir, 'config.yml'), config);
  const child = spawn('/usr/bin/docker-registry', ['serve', join(dir, 'config.yml')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let errors = '';
  child.stderr?.on('data', (c: Buffer) => {
    errors += c.toString();
  });
  const url = `${certificates ? 'https' : 'http'}://${host}`;
  await waitReady(url, child, () => errors, certificates?.ca);
  const creds = mode === 'anonymous' ? [] : [`--dest-creds=${testUser.username}:${testUser.password}`];
  return {
    host,
    url,
    mode,
    user: testUser,
    ...(issuer ? { issuer } : {}),
    skopeoDest: ['--dest-tls-verify=false', ...creds],
    ...(certificates ? { caFile: certificates.ca } : {}),
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      await issuer?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
