import { readFileSync } from 'node:fs';
import { decodePemAll, loadPrivateKey } from '@tonle/pki';
import { parseConfigurationAnchor, parseSecurityServerId, type Clock } from '@tonle/protocol';
import type { KeyObject } from 'node:crypto';
import { X509Certificate } from 'node:crypto';
import type { Logger } from 'pino';
import { createAccessControl } from '../access-control/index.ts';
import type { SecurityServerConfig } from '../config/index.ts';
import { createGlobalConfHolder } from '../global-conf/index.ts';
import { createHttpTimestamper, createMessageLog } from '../message-log/index.ts';
import { createMemoryOcspCache, createOcspService } from '../ocsp/index.ts';
import { createFileServerConfStore, createServerConf } from '../server-conf/index.ts';
import { createBatchSigner } from '../signer/index.ts';
import { createBatchingMessageSigner, createKeyObjectSigner, type TransportAlgorithm } from '../transport/index.ts';
import { createMemoryMessageLog } from './memory-message-log.ts';
import { exchangeGlobalConf } from './peers.ts';
import { startSecurityServer, type RunningSecurityServer } from './security-server.ts';
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
  readonly server: RunningSecurityServer;
  /** False when no message log directory is configured (records are kept in memory only). */
  readonly durableLog: boolean;
  close(): Promise<void>;
}

/**
 * The composition root's work: builds every module from the validated configuration and starts both
 * listeners. Only this function (and main.ts) touches files and the wall clock.
 */
export async function startFromConfig(input: { config: SecurityServerConfig; log: Logger; clock: Clock }): Promise<StartedFromConfig> {
  const { config, log, clock } = input;
  const serverId = parseSecurityServerId(config.serverId);
  const anchor = parseConfigurationAnchor(readFileSync(config.globalConf.anchorFile, 'utf8'));
  if (anchor.instanceIdentifier !== serverId.instance) {
    throw new TypeError(`serverId is in instance ${serverId.instance} but the anchor is for ${anchor.instanceIdentifier}`);
  }
  const holder = createGlobalConfHolder({
    anchor, clock, cacheFile: config.globalConf.cacheFile, pollIntervalMs: config.globalConf.pollIntervalMs,
    log: log.child({ module: 'global-conf' }),
  });
  await holder.start();

  const signingKey = loadPrivateKey(readFileSync(config.signing.keyFile, 'utf8'), config.signing.keyPin === undefined ? {} : { pin: config.signing.keyPin });
  const signingChain = certificates(config.signing.certificateFile);
  const signingCert = signingChain[0] as Uint8Array;
  const bytesSigner = createKeyObjectSigner({ privateKey: signingKey, certificateChain: signingChain, algorithm: algorithmForKey(signingKey) });
  const signer = createBatchingMessageSigner({
    signer: bytesSigner,
    createBatchSigner: (toBeSigned) => createBatchSigner({ signer: bytesSigner, clock, hashAlgorithm: 'SHA-512', toBeSigned }),
  });

  const ocsp = createOcspService({ globalConf: holder, clock, cache: createMemoryOcspCache({ clock }), log: log.child({ module: 'ocsp' }) });
  ocsp.addOwnCertificate(signingCert);
  ocsp.start();

  const serverConf = createServerConf({ store: createFileServerConfStore({ path: config.serverConf.file }) });
  await serverConf.reload();

  const durableLog = config.messageLog.directory !== undefined;
  const messageLog = durableLog
    ? await createMessageLog({
        config: { directory: config.messageLog.directory as string },
        clock,
        signer: bytesSigner,
        timestamper: createHttpTimestamper({
          tsas: () => holder.lastGood()?.approvedTsas().map((t) => ({ name: t.name, url: t.url })) ?? [],
          anchors: () => ({ certificates: (holder.lastGood()?.approvedTsas() ?? []).map((t) => new X509Certificate(t.certificate)) }),
        }),
        log: log.child({ module: 'message-log' }),
      })
    : createMemoryMessageLog();
  if (!durableLog) log.warn('messageLog.directory is not set: message records are kept in memory only and are lost on exit');

  const globalConf = exchangeGlobalConf(holder);
  const authCert = readFileSync(config.tls.certificateFile, 'utf8');
  const authKey = readFileSync(config.tls.keyFile, 'utf8');
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
    limits: { clientBodyBytes: config.clientProxy.maxBodyBytes, serverBodyBytes: config.serverProxy.maxBodyBytes },
    tls: { cert: authCert, key: authKey, ...(config.tls.keyPin === undefined ? {} : { passphrase: config.tls.keyPin }), minVersion: config.tls.minVersion },
    listen: { clientProxy: config.clientProxy, serverProxy: config.serverProxy },
    transport: { ...config.transport, peerPort: config.transport.peerPort },
  });
  log.info({ clientProxy: server.ports.clientProxy, serverProxy: server.ports.serverProxy, server: config.serverId }, 'security server started');
  return {
    server,
    durableLog,
    async close() {
      await server.close();
      ocsp.stop();
      holder.stop();
      if ('close' in messageLog) await messageLog.close();
    },
  };
}
