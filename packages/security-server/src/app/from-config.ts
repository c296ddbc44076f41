import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { decodePemAll, encodePem, loadPrivateKey, type Signer } from '@tonle/pki';
import { formatSecurityServerId, parseConfigurationAnchor, parseSecurityServerId, type Clock, type ConfigurationAnchor, type SecurityServerId } from '@tonle/protocol';
import type { KeyObject } from 'node:crypto';
import { X509Certificate } from 'node:crypto';
import type { Logger } from 'pino';
import { createAccessControl } from '../access-control/index.ts';
import { InternalTlsError, clientProxyTlsIdentity, ensureInternalTlsCertificate, type ClientProxyTlsIdentity } from '../client-proxy/index.ts';
import type { SecurityServerConfig } from '../config/index.ts';
import { createGlobalConfHolder, type GlobalConfHolder } from '../global-conf/index.ts';
import { createHttpTimestamper, createMessageLog, type MessageLog } from '../message-log/index.ts';
import { createMemoryOcspCache, createOcspService, type OcspService } from '../ocsp/index.ts';
import { createFileServerConfStore, createServerConf, type ServerConf } from '../server-conf/index.ts';
import { ROLES, createOperations, type Operations } from '../admin-api/index.ts';
import { createBatchSigner } from '../signer/index.ts';
import { createBatchingMessageSigner, createKeyObjectSigner, probePeer, type TransportAlgorithm } from '../transport/index.ts';
import { createMemoryMessageLog, type MemoryMessageLog } from './memory-message-log.ts';
import { exchangeGlobalConf } from './peers.ts';
import { startSecurityServer, type ExchangeObservation, type RunningSecurityServer } from './security-server.ts';
import { createSignerTrust } from './trust.ts';

/** The JWS algorithm for a signing key: ES256/ES384 by curve, PS256 for RSA, EdDSA for Ed25519. */
export function algorithmForKey(key: KeyObject): TransportAlgorithm {
  const type = key.asymmetricKeyType;
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'ES256';
    if (curve === 'secp384r1') return 'ES384';
  }
  if (type === 'rsa' || type === 'rsa-pss') return 'PS256';
  if (type === 'ed25519') return 'EdDSA';
  throw new TypeError(`The signing key (${String(type)}) is not usable: use RSA 2048-4096, ECDSA P-256/P-384 or Ed25519`);
}

function certificates(path: string): Uint8Array[] {
  const ders = decodePemAll(readFileSync(path, 'utf8'), 'CERTIFICATE');
  if (ders.length === 0) throw new TypeError(`${path} holds no PEM certificate`);
  return ders;
}

export interface StartedFromConfig {
  /** The exchange listeners; in operations mode undefined until the token holds usable credentials. */
  readonly server: RunningSecurityServer | undefined;
  /** Resolves with the exchange once it runs (at once in file mode). */
  readonly exchange: Promise<RunningSecurityServer>;
  /** False when no message log directory is configured (records are kept in memory only). */
  readonly durableLog: boolean;
  /** Operations mode only: the admin and monitoring listeners' ports, and the first API key if one was made. */
  readonly operations?: { readonly adminPort: number; readonly monitoringPort: number };
  close(): Promise<void>;
}

function need(value: string | undefined, setting: string): string {
  if (value === undefined) throw new TypeError(`${setting} is required outside operations mode`);
  return value;
}

interface ExchangeInputs {
  readonly config: SecurityServerConfig;
  readonly log: Logger;
  readonly clock: Clock;
  readonly serverId: SecurityServerId;
  readonly holder: GlobalConfHolder;
  readonly ocsp: OcspService;
  readonly serverConf: ServerConf;
  /** Signs bytes with the owner member's signing key; its chain's first certificate is the signing certificate. */
  readonly bytesSigner: Signer;
  readonly tls: { readonly cert: string; readonly key: string; readonly passphrase?: string };
  /** The client proxy's HTTPS identity; the HTTPS listener starts only with it. */
  readonly clientProxyTls?: ClientProxyTlsIdentity;
  readonly onBatch?: (size: number) => void;
  readonly onLogCommit?: (durationMs: number, records: number) => void;
  readonly observe?: (observation: ExchangeObservation) => void;
}

/** Opens the message log and starts both exchange listeners over the given trust state and credentials. */
async function startExchange(input: ExchangeInputs): Promise<{ server: RunningSecurityServer; messageLog: MessageLog | MemoryMessageLog }> {
  const { config, log, clock, serverId, holder, ocsp, serverConf, bytesSigner } = input;
  const signingCert = bytesSigner.certificateChain[0] as Uint8Array;
  const signer = createBatchingMessageSigner({
    signer: bytesSigner,
    createBatchSigner: (toBeSigned) =>
      createBatchSigner({ signer: bytesSigner, clock, hashAlgorithm: 'SHA-512', toBeSigned, ...(input.onBatch === undefined ? {} : { metrics: { onBatch: input.onBatch } }) }),
  });
  const durableLog = config.messageLog.directory !== undefined;
  const messageLog = durableLog
    ? await createMessageLog({
        config: { directory: config.messageLog.directory as string, checkpointIntervalMs: config.messageLog.checkpointIntervalMs },
        clock,
        signer: bytesSigner,
        timestamper: createHttpTimestamper({
          tsas: () => holder.lastGood()?.approvedTsas().map((t) => ({ name: t.name, url: t.url })) ?? [],
          anchors: () => ({ certificates: (holder.lastGood()?.approvedTsas() ?? []).map((t) => new X509Certificate(t.certificate)) }),
        }),
        log: log.child({ module: 'message-log' }),
        ...(input.onLogCommit === undefined ? {} : { metrics: { onLogCommit: input.onLogCommit } }),
      })
    : createMemoryMessageLog();
  if (!durableLog) log.warn('messageLog.directory is not set: only the most recent message records are kept, in memory, and are lost on exit');
  const globalConf = exchangeGlobalConf(holder);
  const server = await startSecurityServer({
    clock,
    log,
    serverId,
    globalConf,
    serverConf,
    accessControl: createAccessControl({ serverConf }),
    signer,
    stapledOcsp: async () => [await ocsp.staple(signingCert)],
    trust: createSignerTrust({ conf: (side) => globalConf.current(side), ocsp }),
    messageLog,
    limits: {
      clientBodyBytes: config.clientProxy.maxBodyBytes,
      serverBodyBytes: config.serverProxy.maxBodyBytes,
      clientRequestTimeoutMs: config.clientProxy.requestTimeoutMs,
    },
    tls: { ...input.tls, minVersion: config.tls.minVersion },
    spool: {
      memoryBytes: config.spool.memoryBytes,
      ...(config.spool.directory !== undefined
        ? { dir: config.spool.directory }
        : config.operations.dataDir !== undefined
          ? { dir: join(config.operations.dataDir, 'spool') }
          : {}),
    },
    listen: {
      clientProxy: { host: config.clientProxy.host, port: config.clientProxy.port },
      ...(input.clientProxyTls === undefined || config.clientProxy.https.port === undefined
        ? {}
        : { clientProxyHttps: { host: config.clientProxy.https.host ?? config.clientProxy.host, port: config.clientProxy.https.port, tls: input.clientProxyTls, minVersion: config.tls.minVersion } }),
      serverProxy: config.serverProxy,
    },
    transport: { ...config.transport, peerPort: config.transport.peerPort },
    ...(input.observe === undefined ? {} : { observe: input.observe }),
  });
  log.info({ clientProxy: server.ports.clientProxy, clientProxyHttps: server.ports.clientProxyHttps, serverProxy: server.ports.serverProxy, server: config.serverId }, 'security server started');
  return { server, messageLog };
}

/**
 * The client proxy's HTTPS identity (ug-ss 9.2): the operator's certificate and key files, or else the
 * internal TLS certificate generated once in `clientProxy.https.internalTlsDir`. Undefined (no HTTPS
 * listener) while `clientProxy.https.port` is unset.
 */
async function clientProxyTlsFor(config: SecurityServerConfig, clock: Clock, log: Logger): Promise<ClientProxyTlsIdentity | undefined> {
  const https = config.clientProxy.https;
  if (https.port === undefined) return undefined;
  if (https.certificateFile !== undefined && https.keyFile !== undefined) {
    const read = (path: string): string => {
      try {
        return readFileSync(path, 'utf8');
      } catch (error) {
        throw new InternalTlsError(`${path}: cannot be read; check clientProxy.https.certificateFile and keyFile`, { cause: error });
      }
    };
    return clientProxyTlsIdentity({ cert: read(https.certificateFile), key: read(https.keyFile) }, https.certificateFile);
  }
  const identity = await ensureInternalTlsCertificate({ dir: https.internalTlsDir, clock, commonName: config.serverId });
  if (identity.generated) log.info({ dir: https.internalTlsDir, sha256: identity.sha256 }, 'internal TLS certificate generated for the client proxy HTTPS port');
  return identity;
}

function startTrustState(input: { anchor: ConfigurationAnchor; config: SecurityServerConfig; log: Logger; clock: Clock }): { holder: GlobalConfHolder; ocsp: OcspService } {
  const { anchor, config, log, clock } = input;
  const holder = createGlobalConfHolder({
    anchor, clock, cacheFile: config.globalConf.cacheFile, pollIntervalMs: config.globalConf.pollIntervalMs,
    log: log.child({ module: 'global-conf' }),
  });
  const ocsp = createOcspService({ globalConf: holder, clock, cache: createMemoryOcspCache({ clock }), log: log.child({ module: 'ocsp' }) });
  return { holder, ocsp };
}

/**
 * The composition root's work: builds every module from the validated configuration and starts the
 * listeners. Only this function (and main.ts) touches files and the wall clock. With
 * `operations.dataDir` the server runs in operations mode (see startWithOperations).
 */
export async function startFromConfig(input: { config: SecurityServerConfig; log: Logger; clock: Clock }): Promise<StartedFromConfig> {
  const { config, log, clock } = input;
  if (config.operations.dataDir !== undefined) return startWithOperations(input);
  const serverId = parseSecurityServerId(config.serverId);
  const anchor = parseConfigurationAnchor(readFileSync(need(config.globalConf.anchorFile, 'globalConf.anchorFile'), 'utf8'));
  if (anchor.instanceIdentifier !== serverId.instance) {
    throw new TypeError(`serverId is in instance ${serverId.instance} but the anchor is for ${anchor.instanceIdentifier}`);
  }
  const { holder, ocsp } = startTrustState({ anchor, config, log, clock });
  await holder.start();

  const signingKey = loadPrivateKey(
    readFileSync(need(config.signing.keyFile, 'signing.keyFile'), 'utf8'),
    config.signing.keyPin === undefined ? {} : { pin: config.signing.keyPin },
  );
  const signingChain = certificates(need(config.signing.certificateFile, 'signing.certificateFile'));
  const bytesSigner = createKeyObjectSigner({ privateKey: signingKey, certificateChain: signingChain, algorithm: algorithmForKey(signingKey) });
  ocsp.addOwnCertificate(signingChain[0] as Uint8Array);
  ocsp.start();

  const serverConf = createServerConf({ store: createFileServerConfStore({ path: config.serverConf.file }) });
  await serverConf.reload();

  const tls = {
    cert: readFileSync(need(config.tls.certificateFile, 'tls.certificateFile'), 'utf8'),
    key: readFileSync(need(config.tls.keyFile, 'tls.keyFile'), 'utf8'),
    ...(config.tls.keyPin === undefined ? {} : { passphrase: config.tls.keyPin }),
  };
  const clientProxyTls = await clientProxyTlsFor(config, clock, log);
  const { server, messageLog } = await startExchange({
    config, log, clock, serverId, holder, ocsp, serverConf, bytesSigner, tls, ...(clientProxyTls === undefined ? {} : { clientProxyTls }),
  });
  return {
    server,
    exchange: Promise.resolve(server),
    durableLog: config.messageLog.directory !== undefined,
    async close() {
      await server.close();
      ocsp.stop();
      holder.stop();
      if ('close' in messageLog) await messageLog.close();
    },
  };
}

/** Feeds one answered request to the metrics and to X-Road's operational monitoring records. */
function observeForOperations(ops: Operations, o: ExchangeObservation): void {
  ops.metrics.recordRequest({
    side: o.side,
    client: o.ids?.client ?? 'unknown',
    service: o.ids?.service ?? 'unknown',
    ...(o.faultCode === undefined ? {} : { faultCode: o.faultCode }),
    durationMs: o.durationMs,
  });
  const client = o.ids?.parsed.client;
  const service = o.ids?.parsed.service;
  const defined = Object.fromEntries(
    Object.entries({
      clientXRoadInstance: client?.instance,
      clientMemberClass: client?.memberClass,
      clientMemberCode: client?.memberCode,
      clientSubsystemCode: client?.type === 'SUBSYSTEM' ? client.subsystemCode : undefined,
      serviceXRoadInstance: service?.instance,
      serviceMemberClass: service?.memberClass,
      serviceMemberCode: service?.memberCode,
      serviceSubsystemCode: service?.subsystemCode,
      serviceCode: service?.serviceCode,
      messageId: o.ids?.xRoadId,
      xRequestId: o.ids?.requestId,
      requestSize: o.requestBytes,
      responseSize: o.responseBytes,
      faultCode: o.faultCode,
    }).filter(([, v]) => v !== undefined),
  );
  ops.opMonitoring.store({
    ...defined,
    securityServerType: o.side === 'client' ? 'Client' : 'Producer',
    requestInTs: o.receivedAt,
    responseOutTs: o.receivedAt + o.durationMs,
    // The server proxy sees only the transport's POST; the REST method is known on the client side.
    ...(o.side === 'client' ? { restMethod: o.method } : {}),
    messageProtocolVersion: 'r1',
    serviceType: 'REST',
    statusCode: o.status,
    succeeded: o.faultCode === undefined && o.status < 500,
  });
}


/**
 * Operations mode: the server is brought up the way an operator does it, through the admin API.
 * The admin and monitoring listeners start at once; the global configuration and OCSP services start as
 * soon as an anchor is installed (at initialisation, or already on disk); the exchange listeners start as
 * soon as the token holds an active signing certificate with a good OCSP status and a registered
 * authentication certificate. Until then readiness is false and the client proxy port is closed.
 */
async function startWithOperations(input: { config: SecurityServerConfig; log: Logger; clock: Clock }): Promise<StartedFromConfig> {
  const { config, log, clock } = input;
  const serverId = parseSecurityServerId(config.serverId);
  const dataDir = config.operations.dataDir as string;
  const serverConf = createServerConf({ store: createFileServerConfStore({ path: config.serverConf.file }) });
  await serverConf.reload().catch((error: unknown) => {
    // Before initialisation there is no local configuration yet; POST /initialization creates it.
    if ((error as { code?: string }).code !== 'TONLE_ERR_SERVERCONF_NOT_INITIALIZED') throw error;
  });
  const clientProxyTls = await clientProxyTlsFor(config, clock, log);
  let trust: { holder: GlobalConfHolder; ocsp: OcspService } | undefined;
  let exchange: { server: RunningSecurityServer; messageLog: MessageLog | MemoryMessageLog } | undefined;
  let resolveExchange: (server: RunningSecurityServer) => void = () => undefined;
  const exchangeStarted = new Promise<RunningSecurityServer>((resolve) => (resolveExchange = resolve));

  const ops: Operations = await createOperations({
    dataDir,
    clock,
    serverConf,
    serverConfFile: config.serverConf.file,
    ocsp: () => trust?.ocsp,
    globalConf: () => trust?.holder,
    messageLog: () => (exchange !== undefined && 'status' in exchange.messageLog ? exchange.messageLog : undefined),
    ...(config.messageLog.directory === undefined ? {} : { logDirectory: config.messageLog.directory }),
    syncIntervalMs: config.operations.syncIntervalMs,
    ...(clientProxyTls === undefined ? {} : { clientProxyTlsCertificate: () => clientProxyTls.certificate }),
    afterInitialization: async () => {
      await startTrust();
    },
    connectionTest: async (target) => {
      const info = trust?.holder.lastGood()?.server(target);
      if (info === undefined) return { server: formatSecurityServerId(target), reachable: false, authenticated: false, error: 'NOT_IN_GLOBAL_CONFIGURATION' };
      let auth: { certificate: Uint8Array; privateKey: KeyObject };
      try {
        auth = ops.keys.authCredentials();
      } catch {
        return { server: formatSecurityServerId(target), reachable: false, authenticated: false, error: 'NO_REGISTERED_AUTH_CERTIFICATE' };
      }
      const result = await probePeer({
        address: info.address,
        peerPort: config.transport.peerPort,
        tls: { cert: encodePem('CERTIFICATE', auth.certificate), key: auth.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
        expectedCertHashes: info.authCertHashes,
        timeoutMs: config.transport.connectTimeoutMs,
        clock,
      });
      return { server: formatSecurityServerId(target), ...result };
    },
  });

  async function startTrust(): Promise<void> {
    if (trust !== undefined) return;
    const anchor = ops.anchor.current();
    if (anchor === undefined) return;
    if (anchor.instanceIdentifier !== serverId.instance) {
      log.error({ anchorInstance: anchor.instanceIdentifier }, 'the installed anchor is for another instance than serverId');
      return;
    }
    trust = startTrustState({ anchor, config, log, clock });
    await trust.holder.start();
    trust.ocsp.start();
  }

  let starting = false;
  async function tryStartExchange(): Promise<void> {
    if (exchange !== undefined || trust === undefined || starting) return;
    let bytesSigner: Signer;
    let auth: { certificate: Uint8Array; privateKey: KeyObject };
    try {
      const owner = serverConf.current().state.owner;
      bytesSigner = ops.keys.signerFor(owner);
      auth = ops.keys.authCredentials();
    } catch {
      return; // not yet: no active good signing certificate, or no registered authentication certificate
    }
    starting = true;
    try {
      const t = trust;
      t.ocsp.addOwnCertificate(bytesSigner.certificateChain[0] as Uint8Array);
      exchange = await startExchange({
        config, log, clock, serverId, holder: t.holder, ocsp: t.ocsp, serverConf, bytesSigner,
        tls: { cert: encodePem('CERTIFICATE', auth.certificate), key: auth.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
        ...(clientProxyTls === undefined ? {} : { clientProxyTls }),
        onBatch: (size) => ops.metrics.onBatch(size),
        onLogCommit: (durationMs, records) => ops.metrics.onLogCommit(durationMs, records),
        observe: (o) => {
          try {
            observeForOperations(ops, o);
          } catch (error) {
            log.warn({ err: { code: (error as { code?: unknown }).code } }, 'a request could not be recorded for metrics or operational monitoring');
          }
        },
      });
      resolveExchange(exchange.server);
    } catch (error) {
      const e = error as { code?: unknown; message?: unknown };
      log.error({ err: { code: e.code, message: e.message } }, 'the exchange listeners could not start; retrying');
    } finally {
      starting = false;
    }
  }

  await startTrust();
  const firstKey = await ops.ensureApiKey({ name: 'bootstrap', roles: ROLES });
  if (firstKey !== undefined) {
    if (config.admin.apiKeyFile === undefined) {
      log.warn('an admin API key was created but admin.apiKeyFile is not set, so it cannot be shown; set it and remove api-keys.json to make a new one');
    } else {
      await writeFile(config.admin.apiKeyFile, `${firstKey}\n`, { mode: 0o600 });
      log.info({ file: config.admin.apiKeyFile }, 'first admin API key written');
    }
  }
  // Before initialisation there is no token to log in to; POST /initialization creates it.
  if (config.operations.pin !== undefined && ops.token.status().initialized) {
    await ops.autologin(config.operations.pin).catch((error: unknown) => {
      log.error({ err: { code: (error as { code?: unknown }).code } }, 'token autologin failed');
    });
  }
  ops.start();
  await ops.adminApp.listen({ host: config.admin.host, port: config.admin.port });
  await ops.monitoringApp.listen({ host: config.monitoring.host, port: config.monitoring.port });
  const portOf = (app: { server: { address(): unknown } }): number => (app.server.address() as { port: number }).port;
  log.info({ admin: portOf(ops.adminApp), monitoring: portOf(ops.monitoringApp) }, 'operations listeners started');
  const timer = setInterval(() => void tryStartExchange(), 1_000);
  timer.unref();
  await tryStartExchange();
  return {
    get server() {
      return exchange?.server;
    },
    exchange: exchangeStarted,
    durableLog: config.messageLog.directory !== undefined,
    operations: { adminPort: portOf(ops.adminApp), monitoringPort: portOf(ops.monitoringApp) },
    async close() {
      clearInterval(timer);
      await exchange?.server.close();
      await ops.close();
      trust?.ocsp.stop();
      trust?.holder.stop();
      if (exchange !== undefined && 'close' in exchange.messageLog) await exchange.messageLog.close();
    },
  };
}
