import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { encodePem, exportPrivateKeyPem, generateKeyPair, issueCertificate } from '@tonle/pki';
import { subsystemId, sameId, type ClientId } from '@tonle/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExchangeServices } from '../../src/app/index.ts';
import {
  INTERNAL_TLS_KEY_FILE,
  buildClientProxy,
  ensureInternalTlsCertificate,
  listenClientProxyHttps,
  type ClientProxyHttpsListener,
  type ClientProxyTlsIdentity,
} from '../../src/client-proxy/index.ts';
import { createBodySpool, type BodySpool } from '../../src/body/index.ts';
import { createLogger } from '../../src/logging/index.ts';
import type { HostedClient, ServerConfSnapshot } from '../../src/server-conf/index.ts';

const clock = { now: () => Date.UTC(2026, 10, 29) };

async function selfSigned(cn: string): Promise<{ cert: string; key: string; sha256: string }> {
  const pair = await generateKeyPair('P-256');
  const der = await issueCertificate({
    publicKey: pair.publicKey, signingKey: pair.privateKey, subject: [{ type: 'CN', value: cn }],
    notBefore: clock.now() - 86_400_000, notAfter: clock.now() + 86_400_000 * 30, extendedKeyUsage: ['clientAuth'],
  });
  return { cert: encodePem('CERTIFICATE', der), key: exportPrivateKeyPem(pair.privateKey), sha256: createHash('sha256').update(der).digest('hex') };
}

const SLOWPOKE_SERVER = { id: { type: 'SERVER', instance: 'EE', memberClass: 'GOV', memberCode: '2', serverCode: 'ss2' }, address: '127.0.0.1:1', authCertHashes: [], maintenance: false } as const;
const SSLAUTH = subsystemId('EE', 'GOV', '1', 'strict');
const SSLNOAUTH = subsystemId('EE', 'GOV', '1', 'tlsonly');
const NOSSL = subsystemId('EE', 'GOV', '1', 'plain');

/**
 * Services that pass a request as far as provider lookup: the global configuration lists no server for
 * any service, so a request that IS authenticated ends in Server.ClientProxy.UnknownService, and one that
 * is not ends in SslAuthenticationFailed before anything is signed or sent.
 */
function services(clients: readonly HostedClient[], logged: string[], spool: BodySpool): ExchangeServices {
  const untouchable = (name: string): never => {
    throw new Error(`${name} must not be reached`);
  };
  const snapshot = { client: (id: ClientId) => clients.find((c) => sameId(c.id, id)) } as unknown as ServerConfSnapshot;
  return {
    clock,
    log: createLogger({ level: 'silent', destination: new Writable({ write(_c, _e, cb) { cb(); } }) }),
    serverId: { type: 'SERVER', instance: 'EE', memberClass: 'GOV', memberCode: '1', serverCode: 'ss' },
    // Only the provider subsystem `slowpoke` has a server: requests for it get as far as reading their body.
    globalConf: { current: () => ({ serversHosting: (c: ClientId) => (c.type === 'SUBSYSTEM' && c.subsystemCode === 'slowpoke' ? [SLOWPOKE_SERVER] : []) }) as never },
    serverConf: { current: () => snapshot },
    accessControl: { isQueryAllowed: () => untouchable('accessControl') },
    signer: { certificateChain: [], sign: () => untouchable('signer') },
    stapledOcsp: () => untouchable('ocsp'),
    trust: { verifySigner: () => untouchable('trust') },
    messageLog: { append: async (r) => ({ index: logged.push(r.kind) - 1, segment: 'memory' }) },
    peers: { send: () => untouchable('peers'), close: () => Promise.resolve() },
    provider: { call: () => untouchable('provider'), close: () => Promise.resolve() },
    spool,
    limits: { clientBodyBytes: 1024, serverBodyBytes: 1024, clientRequestTimeoutMs: 10_000 },
  };
}

interface Answer {
  status: number;
  fault: string | undefined;
}

function call(
  kind: 'http' | 'https',
  port: number,
  client: ClientId,
  tls: { ca?: string; cert?: string; key?: string } = {},
): Promise<Answer> {
  const path = '/r1/EE/GOV/2/provider/svc';
  const headers = { 'x-road-client': `${client.instance}/${client.memberClass}/${client.memberCode}/${client.type === 'SUBSYSTEM' ? client.subsystemCode : ''}` };
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage): void => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, fault: res.headers['x-road-error'] as string | undefined }));
    };
    const req =
      kind === 'http'
        ? httpRequest({ host: '127.0.0.1', port, path, headers, agent: false }, onResponse)
        : httpsRequest({ host: '127.0.0.1', port, path, headers, agent: false, servername: 'localhost', ...tls }, onResponse);
    req.on('error', reject);
    req.end();
  });
}

describe('client proxy over HTTP and HTTPS: information-system authentication over real sockets', () => {
  let dir: string;
  let identity: ClientProxyTlsIdentity & { generated: boolean };
  let registered: Awaited<ReturnType<typeof selfSigned>>;
  let unregistered: Awaited<ReturnType<typeof selfSigned>>;
  let app: ReturnType<typeof buildClientProxy>;
  let https: ClientProxyHttpsListener;
  let httpPort: number;
  let spool: BodySpool;
  const logged: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tonle-isauth-'));
    identity = await ensureInternalTlsCertificate({ dir: join(dir, 'internal-tls'), clock, commonName: 'ss-test' });
    [registered, unregistered] = await Promise.all([selfSigned('registered-is'), selfSigned('unknown-is')]);
    const clients: HostedClient[] = [
      { id: SSLAUTH, status: 'REGISTERED', isAuthentication: 'SSLAUTH', isCertHashes: [registered.sha256] },
      { id: SSLNOAUTH, status: 'REGISTERED', isAuthentication: 'SSLNOAUTH', isCertHashes: [] },
      { id: NOSSL, status: 'REGISTERED', isAuthentication: 'NOSSL', isCertHashes: [] },
    ];
    spool = await createBodySpool({ memoryBytes: 1024 });
    app = buildClientProxy(services(clients, logged, spool));
    httpPort = Number(new URL(await app.listen({ host: '127.0.0.1', port: 0 })).port);
    https = await listenClientProxyHttps(app, { host: '127.0.0.1', port: 0, tls: identity, requestTimeoutMs: 10_000 });
  }, 60_000);

  afterAll(async () => {
    await https?.close();
    await app?.close();
    await spool?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const PASSED = { status: 500, fault: 'Server.ClientProxy.UnknownService' };
  const REFUSED = { status: 500, fault: 'Server.ClientProxy.SslAuthenticationFailed' };

  it('SSLAUTH: HTTPS with the registered client certificate is authenticated (the IS pins the internal TLS certificate)', async () => {
    expect(await call('https', https.port, SSLAUTH, { ca: identity.cert, cert: registered.cert, key: registered.key })).toEqual(PASSED);
  });

  it('SSLAUTH: HTTPS with an unregistered client certificate -> SslAuthenticationFailed', async () => {
    expect(await call('https', https.port, SSLAUTH, { ca: identity.cert, cert: unregistered.cert, key: unregistered.key })).toEqual(REFUSED);
  });

  it('SSLAUTH: HTTPS without a client certificate -> SslAuthenticationFailed', async () => {
    expect(await call('https', https.port, SSLAUTH, { ca: identity.cert })).toEqual(REFUSED);
  });

  it('SSLAUTH: plain HTTP, even naming the client correctly -> SslAuthenticationFailed', async () => {
    expect(await call('http', httpPort, SSLAUTH)).toEqual(REFUSED);
  });

  it('SSLNOAUTH: plain HTTP refused; HTTPS accepted with or without a certificate', async () => {
    expect(await call('http', httpPort, SSLNOAUTH)).toEqual(REFUSED);
    expect(await call('https', https.port, SSLNOAUTH, { ca: identity.cert })).toEqual(PASSED);
    expect(await call('https', https.port, SSLNOAUTH, { ca: identity.cert, cert: unregistered.cert, key: unregistered.key })).toEqual(PASSED);
  });

  it('NOSSL: both HTTP and HTTPS accepted', async () => {
    expect(await call('http', httpPort, NOSSL)).toEqual(PASSED);
    expect(await call('https', https.port, NOSSL, { ca: identity.cert })).toEqual(PASSED);
  });

  it('a refusal for authentication is logged as a refusal, never as a request', () => {
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.every((kind) => kind === 'refusal')).toBe(true);
  });

  it('a slow client on the HTTPS port gets the same 408 Client.RequestTimeout as on HTTP (shared connection-level handling)', async () => {
    const slow = await listenClientProxyHttps(app, { host: '127.0.0.1', port: 0, tls: identity, requestTimeoutMs: 1_000 });
    try {
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = tlsConnect({ host: '127.0.0.1', port: slow.port, servername: 'localhost', ca: identity.cert }, () => {
          socket.write('POST /r1/EE/GOV/2/slowpoke/svc HTTP/1.1\r\nHost: x\r\nX-Road-Client: EE/GOV/1/plain\r\nContent-Length: 100\r\n\r\n0123456789');
        });
        let text = '';
        socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
        setTimeout(() => reject(new Error(`no answer; got: ${text}`)), 20_000).unref();
      });
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(answer.toLowerCase()).toContain('x-road-error: client.requesttimeout');
    } finally {
      await slow.close();
    }
  }, 30_000);

  it('plain HTTP sent to the HTTPS port does not reach the handler (the TLS handshake fails)', async () => {
    await expect(call('http', https.port, NOSSL)).rejects.toThrow();
  });

  it('the internal TLS certificate is generated once, kept with a private key file of mode 0600, and reused', async () => {
    expect(identity.generated).toBe(true);
    const again = await ensureInternalTlsCertificate({ dir: join(dir, 'internal-tls'), clock, commonName: 'ss-test' });
    expect(again.generated).toBe(false);
    expect(again.sha256).toBe(identity.sha256);
    expect((await stat(join(dir, 'internal-tls', INTERNAL_TLS_KEY_FILE))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(dir, 'internal-tls', 'internal-tls.crt'), 'utf8')).toBe(identity.cert);
  });

  it('a half-present internal TLS pair is reported with a code, not silently replaced', async () => {
    await rm(join(dir, 'internal-tls', 'internal-tls.crt'));
    await expect(ensureInternalTlsCertificate({ dir: join(dir, 'internal-tls'), clock, commonName: 'ss-test' })).rejects.toMatchObject({
      code: 'TONLE_ERR_CLIENTPROXY_INTERNAL_TLS',
    });
  });
});
