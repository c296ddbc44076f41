/**
 * Two security servers over real sockets: SS-A (consumer side, member GOV/1111, client subsystem
 * `consumer`) and SS-B (provider side, member GOV/2222, subsystem `provider`), real mutual TLS with
 * their authentication certificates, certificates from test-kit's real CA, OCSP responder and TSA (HTTP),
 * a global configuration signed and verified with the registry's code, and a real provider service.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  memberId,
  securityServerId,
  serviceId,
  signGlobalConfiguration,
  subsystemId,
  type Clock,
  type ConfigurationAnchor,
  type GlobalConfiguration,
} from '@tonle/protocol';
import {
  createAccessControl,
  createBatchSigner,
  createFileServerConfStore,
  createGlobalConfHolder,
  createMemoryOcspCache,
  createOcspService,
  createKeyObjectSigner,
  createLogger,
  createMemoryMessageLog,
  createServerConf,
  createSignerTrust,
  createSingleMessageSigner,
  createBatchingMessageSigner,
  algorithmForKey,
  exchangeGlobalConf,
  startSecurityServer,
  type BytesSigner,
  type GlobalConfHolder,
  type MessageSigner,
  type RunningSecurityServer,
  type ServerConf,
} from '@tonle/security-server';
import type { KeySpec } from '@tonle/pki';
import { createTestPki, type TestCertificate, type TestPki } from '@tonle/test-kit';
import { startProvider, type Provider } from './provider.ts';
import { startRelay, type Relay } from './relay.ts';

export const INSTANCE = 'EE';
export const CONSUMER = subsystemId(INSTANCE, 'GOV', '1111', 'consumer');
export const PROVIDER = subsystemId(INSTANCE, 'GOV', '2222', 'provider');
export const MARKER = 'Tamper-Target-Value';

function pem(cert: TestCertificate): string {
  return cert.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

export class MutableClock implements Clock {
  offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
}

export interface Side {
  readonly server: RunningSecurityServer;
  readonly serverConf: ServerConf;
  readonly messageLog: ReturnType<typeof createMemoryMessageLog>;
  readonly clock: MutableClock;
  readonly auth: TestCertificate;
  /** Swap the signing key/cert or the stapled OCSP at runtime. */
  signing: { signer: MessageSigner; ocsp: Uint8Array[] };
  readonly logLines: string[];
  readonly batchSizes: number[];
  /** The directory this server spools large bodies to. */
  readonly spoolDir: string;
}

export interface Network {
  /** test-kit's throwaway PKI: a real CA, OCSP responder and TSA over HTTP. */
  readonly pki: TestPki;
  readonly a: Side;
  readonly b: Side;
  readonly provider: Provider;
  readonly relay: Relay;
  /** The second provider server, with `secondProvider`. */
  readonly c?: Side;
  /** Base URL of SS-A's client proxy. */
  readonly url: string;
  /** Signs and installs a new global configuration on both servers. */
  publish(change?: (doc: GlobalConfiguration) => GlobalConfiguration, expiresInMs?: number): Promise<void>;
  /** A fresh signing certificate for a member, its signer and a good OCSP response from the responder. */
  signerFor(member: string, keySpec?: KeySpec): Promise<{ signer: MessageSigner; cert: TestCertificate; bytes: BytesSigner; ocsp: Uint8Array }>;
  close(): Promise<void>;
}

export interface NetworkOptions {
  readonly keySpec?: KeySpec;
  readonly batch?: boolean;
  /** Bodies above this stay on disk while they pass (default: the servers' default, 10 MiB). */
  readonly spoolMemoryBytes?: number;
  /** Both servers' body limit (default 16 MiB). */
  readonly maxBodyBytes?: number;
  /**
   * A second provider server `ssB2` (side `c`) hosting the same provider subsystem with the same services;
   * both provider servers are then listed with their own ports and reached directly (no relay).
   */
  readonly secondProvider?: boolean;
  /** The servers' log level (default info; debug adds a line per exchange). */
  readonly logLevel?: 'info' | 'debug';
}

export async function startNetwork(options: NetworkOptions = {}): Promise<Network> {
  const keySpec = options.keySpec ?? 'P-256';
  const pki = await createTestPki({ instance: INSTANCE });
  const dir = mkdtempSync(join(tmpdir(), 'tonle-e2e-'));
  const provider = await startProvider();
  const confKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = confKey.publicKey.export({ format: 'jwk' }) as { kty: 'EC'; crv: string; x: string; y: string };
  const anchorKeys = [{ kid: 'conf-1', alg: 'ES256' as const, publicKey: { kty: 'EC' as const, crv: jwk.crv, x: jwk.x, y: jwk.y } }];
  let version = 0;
  let currentJws = '';
  const holders: GlobalConfHolder[] = [];
  const anchor: ConfigurationAnchor = {
    format: 'tonle-configuration-anchor/1',
    instanceIdentifier: INSTANCE,
    generatedAt: new Date().toISOString(),
    sources: [{ address: 'http://127.0.0.1:1/conf', verificationKeys: anchorKeys }],
  };
  // The registry's publication point, in memory: each holder downloads, verifies against the anchor, caches.
  const fetchConf = () => Promise.resolve({ status: 200, headers: { get: () => null }, text: () => Promise.resolve(currentJws) });

  const authA = await pki.issueAuthCertificate({ memberClass: 'GOV', memberCode: '1111', serverCode: 'ssA' });
  const authB = await pki.issueAuthCertificate({ memberClass: 'GOV', memberCode: '2222', serverCode: 'ssB' });
  const authC = options.secondProvider === true ? await pki.issueAuthCertificate({ memberClass: 'GOV', memberCode: '2222', serverCode: 'ssB2' }) : undefined;
  // With a second provider server, each provider server is listed with its own port (set once it listens).
  const direct: { b?: number; c?: number } = {};
  const hash = (c: TestCertificate) => createHash('sha256').update(c.certificate).digest('hex');
  const b64 = (d: Uint8Array) => Buffer.from(d).toString('base64');

  function baseDocument(expiresInMs: number): GlobalConfiguration {
    const now = Date.now();
    version += 1;
    return {
      formatVersion: 1,
      instanceIdentifier: INSTANCE,
      version,
      generatedAt: new Date(now - 1000).toISOString(),
      expiresAt: new Date(now + expiresInMs).toISOString(),
      sources: [{ address: 'http://127.0.0.1:1/conf', verificationKeys: anchorKeys.map((k) => ({ ...k, status: 'current' as const })) }],
      members: [
        { memberClass: 'GOV', memberCode: '1111', name: 'Consumer agency', subsystems: [{ subsystemCode: 'consumer' }] },
        { memberClass: 'GOV', memberCode: '2222', name: 'Provider agency', subsystems: [{ subsystemCode: 'provider' }] },
      ],
      securityServers: [
        { owner: { memberClass: 'GOV', memberCode: '1111' }, serverCode: 'ssA', address: '127.0.0.1', authCertHashes: [hash(authA)], clients: [{ memberClass: 'GOV', memberCode: '1111', subsystemCode: 'consumer' }], maintenance: { enabled: false, message: '' } },
        { owner: { memberClass: 'GOV', memberCode: '2222' }, serverCode: 'ssB', address: direct.b === undefined ? '127.0.0.1' : `127.0.0.1:${direct.b}`, authCertHashes: [hash(authB)], clients: [{ memberClass: 'GOV', memberCode: '2222', subsystemCode: 'provider' }], maintenance: { enabled: false, message: '' } },
        ...(authC === undefined || direct.c === undefined
          ? []
          : [{ owner: { memberClass: 'GOV', memberCode: '2222' }, serverCode: 'ssB2', address: `127.0.0.1:${direct.c}`, authCertHashes: [hash(authC)], clients: [{ memberClass: 'GOV', memberCode: '2222', subsystemCode: 'provider' }], maintenance: { enabled: false, message: '' } }]),
      ],
      approvedCas: [{ name: 'test-kit CA', authOnly: false, certificateProfile: 'ejbca', topCertificate: b64(pki.caCertificate), intermediateCertificates: [], ocspResponders: [{ url: pki.ocspUrl, certificate: b64(pki.ocspResponderCertificate) }] }],
      approvedTsas: [{ name: 'test-kit TSA', url: pki.tsaUrl, certificate: b64(pki.tsaCertificate) }],
      globalGroups: [{ groupCode: 'friends', description: 'consumers with broad access', members: [{ memberClass: 'GOV', memberCode: '1111', subsystemCode: 'consumer' }] }],
      settings: { memberClasses: [{ code: 'GOV', description: 'Government' }], ocspFreshnessSeconds: 3600, timestampingIntervalSeconds: 60 },
    };
  }

  async function publish(change: (doc: GlobalConfiguration) => GlobalConfiguration = (d) => d, expiresInMs = 24 * 3_600_000): Promise<void> {
    currentJws = await signGlobalConfiguration(change(baseDocument(expiresInMs)), { kid: 'conf-1', alg: 'ES256', privateKey: confKey.privateKey });
    for (const holder of holders) await holder.refreshNow();
  }
  await publish();

  async function signerFor(member: string, spec: KeySpec = keySpec) {
    const cert = await pki.issueSignCertificate({ memberClass: 'GOV', memberCode: member }, { keySpec: spec });
    const bytes = createKeyObjectSigner({ privateKey: cert.privateKey, certificateChain: cert.chain, algorithm: algorithmForKey(cert.privateKey) });
    return { signer: createSingleMessageSigner(bytes), cert, bytes, ocsp: await pki.fetchOcspResponse(cert.certificate) };
  }

  const serverCodes = { a: 'ssA', b: 'ssB', c: 'ssB2' } as const;
  async function side(name: 'a' | 'b' | 'c', member: string, auth: TestCertificate, peerPort: () => number): Promise<Side> {
    const clock = new MutableClock();
    const logLines: string[] = [];
    const batchSizes: number[] = [];
    const log = createLogger({ level: options.logLevel ?? 'info', base: { server: name }, destination: new Writable({ write(chunk, _enc, cb) { logLines.push(String(chunk)); cb(); } }) });
    const serverConf = createServerConf({ store: createFileServerConfStore({ path: join(dir, `serverconf-${name}.json`) }) });
    await serverConf.initialize({ owner: memberId(INSTANCE, 'GOV', member), serverCode: serverCodes[name] });
    const messageLog = createMemoryMessageLog();
    const own = await signerFor(member);
    let signer: MessageSigner = own.signer;
    if (options.batch === true) {
      signer = createBatchingMessageSigner({
        signer: own.bytes,
        createBatchSigner: (toBeSigned) => createBatchSigner({ signer: own.bytes, clock, hashAlgorithm: 'SHA-512', toBeSigned, metrics: { onBatch: (n) => batchSizes.push(n) } }),
      });
    }
    const signingHolder = { signing: { signer, ocsp: [own.ocsp] } };
    const holder = createGlobalConfHolder({ anchor, clock, fetch: fetchConf, cacheFile: join(dir, `globalconf-${name}.json`), pollIntervalMs: 3_600_000 });
    await holder.start();
    holders.push(holder);
    const globalConf = exchangeGlobalConf(holder);
    const ocsp = createOcspService({ globalConf: holder, clock, cache: createMemoryOcspCache({ clock }) });
    const trust = createSignerTrust({ conf: (s) => globalConf.current(s), ocsp });
    const delegating: MessageSigner = {
      get certificateChain() {
        return signingHolder.signing.signer.certificateChain;
      },
      sign: (d) => signingHolder.signing.signer.sign(d),
    };
    const server = await startSecurityServer({
      clock,
      log,
      serverId: securityServerId(INSTANCE, 'GOV', member, serverCodes[name]),
      globalConf,
      serverConf,
      accessControl: createAccessControl({ serverConf }),
      signer: delegating,
      stapledOcsp: () => Promise.resolve(signingHolder.signing.ocsp),
      trust,
      messageLog,
      limits: { clientBodyBytes: options.maxBodyBytes ?? 16 * 1024 * 1024, serverBodyBytes: options.maxBodyBytes ?? 16 * 1024 * 1024 },
      spool: { dir: join(dir, `spool-${name}`), ...(options.spoolMemoryBytes === undefined ? {} : { memoryBytes: options.spoolMemoryBytes }) },
      tls: { cert: auth.certificatePem, key: pem(auth), minVersion: 'TLSv1.2' },
      listen: { clientProxy: { host: '127.0.0.1', port: 0 }, serverProxy: { host: '127.0.0.1', port: 0 } },
      transport: { peerPort: peerPort(), connectTimeoutMs: 5000, responseTimeoutMs: 30_000, connectionsPerPeer: 8 },
    });
    return {
      server, serverConf, messageLog, clock, auth, logLines, batchSizes, spoolDir: join(dir, `spool-${name}`),
      get signing() {
        return signingHolder.signing;
      },
      set signing(value) {
        signingHolder.signing = value;
      },
    };
  }

  const b = await side('b', '2222', authB, () => 1);
  const relay = await startRelay({
    serverTls: { cert: authB.certificatePem, key: pem(authB) },
    clientTls: { cert: authA.certificatePem, key: pem(authA) },
    target: () => b.server.ports.serverProxy,
    marker: MARKER,
  });
  const c = authC === undefined ? undefined : await side('c', '2222', authC, () => 1);
  const a = await side('a', '1111', authA, () => relay.port);
  if (c !== undefined) {
    direct.b = b.server.ports.serverProxy;
    direct.c = c.server.ports.serverProxy;
    await publish();
  }

  await a.serverConf.addClient({ id: CONSUMER, status: 'REGISTERED', isAuthentication: 'NOSSL' });
  await b.serverConf.addClient({ id: PROVIDER, status: 'REGISTERED', isAuthentication: 'NOSSL' });
  const svc = (code: string) => serviceId(INSTANCE, 'GOV', '2222', 'provider', code);
  await b.serverConf.addService({ id: svc('echo'), url: `${provider.url}/`, timeoutSeconds: 1, endpoints: [] });
  await b.serverConf.addService({ id: svc('closed'), url: `${provider.url}/`, timeoutSeconds: 5, endpoints: [] });
  await b.serverConf.addService({ id: svc('off'), url: `${provider.url}/`, timeoutSeconds: 5, enabled: false, disabledNotice: 'maintenance until Monday', endpoints: [] });
  await b.serverConf.addService({ id: svc('down'), url: 'http://127.0.0.1:9/', timeoutSeconds: 5, endpoints: [] });
  for (const code of ['echo', 'off', 'down']) await b.serverConf.grantAccess({ service: svc(code), subject: CONSUMER });
  if (c !== undefined) {
    await c.serverConf.addClient({ id: PROVIDER, status: 'REGISTERED', isAuthentication: 'NOSSL' });
    await c.serverConf.addService({ id: svc('echo'), url: `${provider.url}/`, timeoutSeconds: 1, endpoints: [] });
    await c.serverConf.grantAccess({ service: svc('echo'), subject: CONSUMER });
  }

  return {
    pki, a, b, provider, relay,
    ...(c === undefined ? {} : { c }),
    url: `http://127.0.0.1:${a.server.ports.clientProxy}`,
    publish,
    signerFor,
    async close() {
      for (const holder of holders) holder.stop();
      await a.server.close();
      await b.server.close();
      await c?.server.close();
      await relay.close();
      await provider.close();
      await pki.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
