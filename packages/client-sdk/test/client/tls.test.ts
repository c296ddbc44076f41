import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, isTransportError } from '@tonle/client-sdk';
import { createMockSecurityServer, type MockSecurityServer } from '@tonle/client-sdk/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLIENT = 'EE/GOV/70000002/benefits';
const SERVICE = 'EE/GOV/70000001/population/persons';

/** A throwaway CA, a server certificate for 127.0.0.1 and a client certificate, made by openssl per run. */
function makePki(dir: string): Record<'ca' | 'serverCert' | 'serverKey' | 'clientCert' | 'clientKey' | 'otherCa', string> {
  const run = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  };
  const key = (name: string): void => run('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', name);
  key('ca.key');
  run('req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=Test CA', '-days', '1', '-out', 'ca.pem');
  key('other.key');
  run('req', '-x509', '-new', '-key', 'other.key', '-subj', '/CN=Other CA', '-days', '1', '-out', 'other.pem');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, cn] of [
    ['server', 'ss.test'],
    ['client', 'benefits-is'],
  ] as const) {
    key(`${name}.key`);
    run('req', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`);
    run('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', `${name}.ext`, '-out', `${name}.pem`);
  }
  const read = (name: string): string => readFileSync(join(dir, name), 'utf8');
  return {
    ca: read('ca.pem'),
    otherCa: read('other.pem'),
    serverCert: read('server.pem'),
    serverKey: read('server.key'),
    clientCert: read('client.pem'),
    clientKey: read('client.key'),
  };
}

let dir: string;
let pki: ReturnType<typeof makePki>;
let ss: MockSecurityServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tonle-sdk-tls-'));
  pki = makePki(dir);
  ss = await createMockSecurityServer({
    services: { [SERVICE]: () => ({ json: { ok: true } }) },
    tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca, requestCert: true },
  });
});

afterAll(async () => {
  await ss.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('HTTPS toward the security server', () => {
  it('presents the client certificate and verifies the server against the given CA', async () => {
    const client = createClient({
      securityServer: ss.url,
      client: CLIENT,
      tls: { cert: pki.clientCert, key: pki.clientKey, ca: pki.ca },
    });
    try {
      for (let i = 0; i < 3; i += 1) expect(await (await client.call({ service: SERVICE })).json()).toEqual({ ok: true });
      expect(ss.requests.at(-1)?.clientCertificate).toBe('benefits-is');
      expect(ss.connectionCount).toBeLessThanOrEqual(2);
    } finally {
      await client.close();
    }
  });

  it('accepts certificate material as bytes and a CA list', async () => {
    const client = createClient({
      securityServer: ss.url,
      client: CLIENT,
      tls: { cert: Buffer.from(pki.clientCert), key: new TextEncoder().encode(pki.clientKey), ca: [pki.otherCa, Buffer.from(pki.ca)] },
    });
    try {
      expect((await client.call({ service: SERVICE })).status).toBe(200);
    } finally {
      await client.close();
    }
  });

  it('fails with a TransportError when the server certificate is not trusted (the request is never sent)', async () => {
    const before = ss.requests.length;
    const client = createClient({
      securityServer: ss.url,
      client: CLIENT,
      tls: { cert: pki.clientCert, key: pki.clientKey, ca: pki.otherCa },
      retry: false,
    });
    try {
      const e = await client.call({ service: SERVICE }).catch((error: unknown) => error);
      expect(isTransportError(e) && e.code).toBe('TONLE_ERR_SDK_CONNECT');
      expect(ss.requests.length).toBe(before);
    } finally {
      await client.close();
    }
  });

  it('fails with a TransportError when no client certificate is presented', async () => {
    const before = ss.requests.length;
    const client = createClient({ securityServer: ss.url, client: CLIENT, tls: { ca: pki.ca }, retry: false });
    try {
      const e = await client.call({ service: SERVICE }).catch((error: unknown) => error);
      expect(isTransportError(e)).toBe(true);
      expect(['TONLE_ERR_SDK_CONNECT', 'TONLE_ERR_SDK_NETWORK']).toContain((e as { code: string }).code);
      expect(ss.requests.length).toBe(before);
    } finally {
      await client.close();
    }
  });
});
