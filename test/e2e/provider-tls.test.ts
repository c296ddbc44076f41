/**
 * The provider's security server calling an information system over HTTPS (issue "Services": TLS
 * verification of the provider with pinned certificates): a service's `tlsVerify` and `pinnedCertHashes`
 * decide which certificate the provider may present; anything else is refused before a byte of the
 * request is sent, with Server.ServerProxy.SslAuthenticationFailed.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { encodePem, exportPrivateKeyPem, generateKeyPair, issueCertificate } from '@tonle/pki';
import { serviceId } from '@tonle/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './support/http.ts';
import { CONSUMER, startNetwork, type Network } from './support/network.ts';

let net: Network;
let provider: Server;
let hits = 0;
const svc = (code: string) => serviceId('EE', 'GOV', '2222', 'provider', code);

async function selfSigned(): Promise<{ cert: string; key: string; sha256: string }> {
  const pair = await generateKeyPair('P-256');
  const now = Date.now();
  const der = await issueCertificate({
    publicKey: pair.publicKey, signingKey: pair.privateKey, subject: [{ type: 'CN', value: 'population-register' }],
    notBefore: now - 60_000, notAfter: now + 86_400_000, extendedKeyUsage: ['serverAuth'], dnsNames: ['localhost'],
  });
  return { cert: encodePem('CERTIFICATE', der), key: exportPrivateKeyPem(pair.privateKey), sha256: createHash('sha256').update(der).digest('hex') };
}

beforeAll(async () => {
  net = await startNetwork();
  const own = await selfSigned();
  const other = await selfSigned();
  provider = createServer({ cert: own.cert, key: own.key }, (req, res) => {
    hits += 1;
    req.resume();
    req.on('end', () => res.end('{"ok":true}'));
  });
  await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(provider.address() as AddressInfo).port}/`;
  const services = [
    { code: 'tls-pinned', tlsVerify: true, pinnedCertHashes: [own.sha256] },
    { code: 'tls-wrong-pin', tlsVerify: true, pinnedCertHashes: [other.sha256] },
    { code: 'tls-system-trust', tlsVerify: true, pinnedCertHashes: [] },
    { code: 'tls-unverified', tlsVerify: false, pinnedCertHashes: [] },
  ];
  for (const s of services) {
    await net.b.serverConf.addService({ id: svc(s.code), url, timeoutSeconds: 5, tlsVerify: s.tlsVerify, pinnedCertHashes: s.pinnedCertHashes, endpoints: [] });
    await net.b.serverConf.grantAccess({ service: svc(s.code), subject: CONSUMER });
  }
}, 180_000);

afterAll(async () => {
  provider?.closeAllConnections();
  await new Promise<void>((resolve) => (provider === undefined ? resolve() : provider.close(() => resolve())));
  await net?.close();
});

function send(code: string) {
  return call(`${net.url}/r1/EE/GOV/2222/provider/${code}/x`, { method: 'GET', headers: [['X-Road-Client', 'EE/GOV/1111/consumer']] });
}

describe('provider TLS', () => {
  it('a pinned certificate is accepted even though no CA vouches for it', async () => {
    const res = await send('tls-pinned');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ ok: true });
  });

  it('another certificate than the pinned one, or a self-signed one checked against the system trust store, is refused before anything is sent', async () => {
    const before = hits;
    for (const code of ['tls-wrong-pin', 'tls-system-trust']) {
      const res = await send(code);
      expect({ status: res.status, fault: res.headers['x-road-error'] }).toEqual({ status: 500, fault: 'Server.ServerProxy.SslAuthenticationFailed' });
    }
    expect(hits).toBe(before);
  });

  it('with verification off (and nothing pinned) any certificate is accepted', async () => {
    const res = await send('tls-unverified');
    expect(res.status).toBe(200);
  });
});
