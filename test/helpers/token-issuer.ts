// A small Bearer token service for docker-registry's `auth: token` mode: checks Basic credentials
// (or none, for anonymous pulls when allowed) and signs ES256 JWTs the registry trusts.

import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';

export interface TokenIssuer {
  url: string;
  service: string;
  issuer: string;
  certFile: string;
  /** Every token request seen, for cache assertions. */
  requests: { scope: string; user: string | undefined }[];
  /** Let token requests without credentials pull (default false). */
  allowAnonymousPull: boolean;
  stop(): Promise<void>;
}

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/** libtrust's key ID: base32 of the first 240 bits of sha256(DER public key), in groups of 4. */
function libtrustKeyId(publicKeyDer: Buffer): string {
  const hash = createHash('sha256').update(publicKeyDer).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const byte of hash) bits += byte.toString(2).padStart(8, '0');
  let out = '';
  for (let i = 0; i < bits.length; i += 5) out += alphabet[Number.parseInt(bits.slice(i, i + 5), 2)];
  return out.match(/.{4}/g)!.join(':');
}

export async function startTokenIssuer(
  dir: string,
  user: { username: string; password: string },
): Promise<TokenIssuer> {
  const keyFile = join(dir, 'token.key');
  const certFile = join(dir, 'token.crt');
  execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', keyFile], {
    stdio: 'ignore',
  });
  execFileSync(
    'openssl',
    [
      'req',
      '-new',
      '-x509',
      '-key',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      '/CN=wasmbox-test-token',
    ],
    { stdio: 'ignore' },
  );
  const privateKey = createPrivateKey(readFileSync(keyFile));
  const kid = libtrustKeyId(createPublicKey(privateKey).export({ type: 'spki', format: 'der' }));
  const service = 'wasmbox-test-registry';
  const issuerName = 'wasmbox-test-issuer';
  const state: TokenIssuer = {
    url: '',
    service,
    issuer: issuerName,
    certFile,
    requests: [],
    allowAnonymousPull: false,
    stop: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const header = req.headers.authorization ?? '';
    let who: string | undefined;
    if (header.startsWith('Basic ')) {
      const [name, pass] = Buffer.from(header.slice(6), 'base64').toString().split(':');
      if (name !== user.username || pass !== user.password) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
        return;
      }
      who = name;
    }
    const scopes = url.searchParams.getAll('scope');
    state.requests.push({ scope: scopes.join(' '), user: who });
    const access = scopes.flatMap((scope) => {
      const [type, name, actions] = scope.split(':');
      if (!type || !name || !actions) return [];
      const allowed = who
        ? actions.split(',')
        : state.allowAnonymousPull
          ? actions.split(',').filter((a) => a === 'pull')
          : [];
      return [{ type, name, actions: allowed }];
    });
    const now = Math.floor(Date.now() / 1000);
    const head = base64url(JSON.stringify({ typ: 'JWT', alg: 'ES256', kid }));
    const claims = base64url(
      JSON.stringify({
        iss: issuerName,
        sub: who ?? '',
        aud: service,
        exp: now + 300,
        nbf: now - 10,
        iat: now,
        jti: String(Math.random()),
        access,
      }),
    );
    const signature = sign('sha256', Buffer.from(`${head}.${claims}`), {
      key: privateKey,
      dsaEncoding: 'ieee-p1363',
    });
    const token = `${head}.${claims}.${base64url(signature)}`;
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ token, expires_in: 300, issued_at: new Date().toISOString() }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  state.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  state.stop = () => new Promise((resolve) => server.close(() => resolve()));
  return state;
}
