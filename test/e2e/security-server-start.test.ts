/**
 * Two security servers started exactly as `tonle security-server start --config <file>` starts them
 * (runSecurityServer: config file + env, PIN files, global configuration downloaded from its source and
 * verified against the anchor, OCSP staples fetched from test-kit's real OCSP responder, durable message
 * log time-stamped by test-kit's real TSA), exchanging over real mutual TLS.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePem, exportPrivateKeyPem, generateKeyPair, issueCertificate } from '@tonle/pki';
import { memberId, serviceId, signGlobalConfiguration, subsystemId, type GlobalConfiguration } from '@tonle/protocol';
import { createFileServerConfStore, createServerConf, runSecurityServer } from '@tonle/security-server';
import { createTestPki, type TestCertificate, type TestPki } from '@tonle/test-kit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call } from './support/http.ts';
import { startProvider, type Provider } from './support/provider.ts';

let pki: TestPki;
let dir: string;
let confServer: Server;
let provider: Provider;
const stops: (() => void)[] = [];
const runs: Promise<number>[] = [];
const ports: Record<string, { clientProxy: number; serverProxy: number; clientProxyHttps?: number }> = {};
/** An information system's self-signed TLS client certificate, registered for EE/GOV/1111/secure (SSLAUTH). */
let isCert: { cert: string; key: string; sha256: string };

function pemChain(cert: TestCertificate): string {
  return cert.chain.map((der) => encodePem('CERTIFICATE', der)).join('');
}

async function start(name: string, config: Record<string, unknown>): Promise<void> {
  const file = join(dir, name, 'ss.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  let stop!: () => void;
  const stopSignal = new Promise<void>((resolve) => (stop = resolve));
  stops.push(stop);
  const errors: string[] = [];
  let started!: () => void;
  const up = new Promise<void>((resolve) => (started = resolve));
  const run = runSecurityServer({ configFile: file, env: { TONLE_LOG_LEVEL: 'warn' }, cwd: dir, err: (t) => errors.push(t), stopSignal, onStarted: (p) => ((ports[name] = p), started()) });
  runs.push(run);
  await Promise.race([up, run.then((code) => Promise.reject(new Error(`${name} exited with ${code}: ${errors.join('')}`)))]);
}

beforeAll(async () => {
  pki = await createTestPki();
  dir = mkdtempSync(join(tmpdir(), 'tonle-start-'));
  provider = await startProvider();
  const confKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = confKey.publicKey.export({ format: 'jwk' }) as { crv: string; x: string; y: string };
  const key = { kid: 'k1', alg: 'ES256' as const, publicKey: { kty: 'EC' as const, crv: jwk.crv, x: jwk.x, y: jwk.y } };
  let jws = '';
  confServer = createServer((_req, res) => res.end(jws));
  await new Promise<void>((resolve) => confServer.listen(0, '127.0.0.1', resolve));
  const source = `http://127.0.0.1:${(confServer.address() as AddressInfo).port}/conf`;

  const members = { a: { memberClass: 'GOV', memberCode: '1111' }, b: { memberClass: 'GOV', memberCode: '2222' } };
  const certs: Record<string, { sign: TestCertificate; auth: TestCertificate }> = {};
  for (const [name, m] of Object.entries(members)) {
    const sign = await pki.issueSignCertificate(m, { keySpec: 'P-256' });
    const auth = await pki.issueAuthCertificate({ ...m, serverCode: `ss${name.toUpperCase()}` }, { keySpec: 'P-256' });
    certs[name] = { sign, auth };
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'sign.pem'), pemChain(sign));
    writeFileSync(join(dir, name, 'sign.key'), sign.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: `pin-${name}` }));
    writeFileSync(join(dir, name, 'sign.pin'), `pin-${name}\n`);
    writeFileSync(join(dir, name, 'auth.pem'), pemChain(auth));
    writeFileSync(join(dir, name, 'auth.key'), auth.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  }
  const now = Date.now();
  const isKey = await generateKeyPair('P-256');
  const isDer = await issueCertificate({ publicKey: isKey.publicKey, signingKey: isKey.privateKey, subject: [{ type: 'CN', value: 'secure-is' }], notBefore: now - 60_000, notAfter: now + 86_400_000 });
  isCert = { cert: encodePem('CERTIFICATE', isDer), key: exportPrivateKeyPem(isKey.privateKey), sha256: createHash('sha256').update(isDer).digest('hex') };
  const b64 = (d: Uint8Array) => Buffer.from(d).toString('base64');
  const doc: GlobalConfiguration = {
    formatVersion: 1, instanceIdentifier: 'EE', version: 1,
    generatedAt: new Date(now - 1000).toISOString(), expiresAt: new Date(now + 3_600_000).toISOString(),
    sources: [{ address: source, verificationKeys: [{ ...key, status: 'current' }] }],
    members: [
      { memberClass: 'GOV', memberCode: '1111', name: 'A', subsystems: [{ subsystemCode: 'consumer' }, { subsystemCode: 'secure' }] },
      { memberClass: 'GOV', memberCode: '2222', name: 'B', subsystems: [{ subsystemCode: 'provider' }] },
    ],
    securityServers: (['a', 'b'] as const).map((n) => ({
      owner: members[n], serverCode: `ss${n.toUpperCase()}`, address: '127.0.0.1',
      authCertHashes: [certs[n]!.auth.sha256],
      clients: n === 'a' ? [{ ...members[n], subsystemCode: 'consumer' }, { ...members[n], subsystemCode: 'secure' }] : [{ ...members[n], subsystemCode: 'provider' }],
      maintenance: { enabled: false, message: '' },
    })),
    approvedCas: [{ name: 'test-kit CA', authOnly: false, certificateProfile: 'ejbca', topCertificate: b64(pki.caCertificate), intermediateCertificates: [], ocspResponders: [{ url: pki.ocspUrl, certificate: b64(pki.ocspResponderCertificate) }] }],
    approvedTsas: [{ name: 'test-kit TSA', url: pki.tsaUrl, certificate: b64(pki.tsaCertificate) }],
    globalGroups: [],
    settings: { memberClasses: [{ code: 'GOV', description: 'Government' }], ocspFreshnessSeconds: 600, timestampingIntervalSeconds: 60 },
  };
  jws = await signGlobalConfiguration(doc, { kid: 'k1', alg: 'ES256', privateKey: confKey.privateKey });
  writeFileSync(join(dir, 'anchor.json'), JSON.stringify({ format: 'tonle-configuration-anchor/1', instanceIdentifier: 'EE', generatedAt: new Date(now).toISOString(), sources: [{ address: source, verificationKeys: [key] }] }));

  for (const [name, m] of Object.entries(members)) {
    const conf = createServerConf({ store: createFileServerConfStore({ path: join(dir, name, 'serverconf.json') }) });
    await conf.initialize({ owner: memberId('EE', m.memberClass, m.memberCode), serverCode: `ss${name.toUpperCase()}` });
    const client = subsystemId('EE', m.memberClass, m.memberCode, name === 'a' ? 'consumer' : 'provider');
    await conf.addClient({ id: client, status: 'REGISTERED', isAuthentication: 'NOSSL' });
    if (name === 'a') await conf.addClient({ id: subsystemId('EE', 'GOV', '1111', 'secure'), status: 'REGISTERED', isAuthentication: 'SSLAUTH', isCertHashes: [isCert.sha256] });
    if (name === 'b') {
      const svc = serviceId('EE', 'GOV', '2222', 'provider', 'echo');
      await conf.addService({ id: svc, url: provider.url, timeoutSeconds: 10, endpoints: [] });
      await conf.grantAccess({ service: svc, subject: subsystemId('EE', 'GOV', '1111', 'consumer') });
      await conf.grantAccess({ service: svc, subject: subsystemId('EE', 'GOV', '1111', 'secure') });
    }
  }
  const config = (name: string, peerPort: number) => ({
    serverId: `EE/GOV/${name === 'a' ? '1111' : '2222'}/ss${name.toUpperCase()}`,
    // SS-A also serves information systems over HTTPS, with the internal TLS certificate it generates.
    clientProxy: { host: '127.0.0.1', port: 0, ...(name === 'a' ? { https: { port: 0 } } : {}) },
    serverProxy: { host: '127.0.0.1', port: 0 },
    tls: { certificateFile: 'auth.pem', keyFile: 'auth.key' },
    signing: { certificateFile: 'sign.pem', keyFile: 'sign.key', keyPinFile: 'sign.pin' },
    globalConf: { anchorFile: '../anchor.json', cacheFile: 'globalconf.json' },
    serverConf: { file: 'serverconf.json' },
    messageLog: { directory: 'messagelog' },
    transport: { peerPort },
  });
  await start('b', config('b', 5500));
  await start('a', config('a', ports['b']!.serverProxy));
}, 180_000);

afterAll(async () => {
  for (const stop of stops) stop();
  const codes = await Promise.all(runs);
  expect(codes.every((c) => c === 0)).toBe(true);
  await provider?.close();
  confServer?.close();
  await pki?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
}, 60_000);

it('exchanges through servers started from configuration files, with a durable log on both sides', async () => {
  const res = await call(`http://127.0.0.1:${ports['a']!.clientProxy}/r1/EE/GOV/2222/provider/echo/binary`, {
    method: 'POST',
    headers: [['X-Road-Client', 'EE/GOV/1111/consumer'], ['Content-Type', 'application/octet-stream']],
    body: Buffer.from('hello through the tonle'),
  });
  expect(res.status).toBe(200);
  expect(res.body.toString()).toBe('hello through the tonle');
  expect(res.headers['x-road-request-hash']).toMatch(/==$/);
  for (const name of ['a', 'b']) expect(readdirSync(join(dir, name, 'messagelog')).length).toBeGreaterThan(0);
}, 60_000);

/** POST over HTTPS to SS-A's client proxy, trusting only its internal TLS certificate (as a pinning IS does). */
function secureCall(client: string, tls: { cert?: string; key?: string }): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const ca = readFileSync(join(dir, 'a', 'internal-tls', 'internal-tls.crt'), 'utf8');
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1', port: ports['a']!.clientProxyHttps, servername: 'localhost', ca, ...tls, agent: false, method: 'POST',
        path: '/r1/EE/GOV/2222/provider/echo/binary', headers: { 'x-road-client': client, 'content-type': 'application/octet-stream' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end('hello over https');
  });
}

it('serves an SSLAUTH client over HTTPS with its registered certificate, and refuses it without one or over HTTP', async () => {
  expect(ports['a']!.clientProxyHttps).toBeGreaterThan(0);
  const ok = await secureCall('EE/GOV/1111/secure', { cert: isCert.cert, key: isCert.key });
  expect(ok.status).toBe(200);
  expect(ok.body).toBe('hello over https');
  const noCert = await secureCall('EE/GOV/1111/secure', {});
  expect({ status: noCert.status, fault: noCert.headers['x-road-error'] }).toEqual({ status: 500, fault: 'Server.ClientProxy.SslAuthenticationFailed' });
  const overHttp = await call(`http://127.0.0.1:${ports['a']!.clientProxy}/r1/EE/GOV/2222/provider/echo/binary`, { method: 'POST', headers: [['X-Road-Client', 'EE/GOV/1111/secure']], body: Buffer.from('x') });
  expect({ status: overHttp.status, fault: overHttp.headers['x-road-error'] }).toEqual({ status: 500, fault: 'Server.ClientProxy.SslAuthenticationFailed' });
  // A NOSSL client may use either port.
  const plainOverHttps = await secureCall('EE/GOV/1111/consumer', {});
  expect(plainOverHttps.status).toBe(200);
}, 60_000);

it('reports every configuration violation at once and exits with 2', async () => {
  const errors: string[] = [];
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ clientProxy: { port: -1 } }));
  const code = await runSecurityServer({ configFile: join(dir, 'bad.json'), env: {}, cwd: dir, err: (t) => errors.push(t) });
  expect(code).toBe(2);
  expect(errors.join('')).toContain('clientProxy.port');
  expect(errors.join('')).toContain('serverId');
});
