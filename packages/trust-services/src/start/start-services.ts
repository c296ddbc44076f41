import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '@tonle/protocol';
import { createCaServer, createCertificationAuthority } from '../ca/index.ts';
import { loadCaConfig, loadOcspConfig, loadTsaConfig, type CaConfig, type OcspConfig, type TsaConfig } from '../config/index.ts';
import { createOcspResponder, createOcspServer } from '../ocsp/index.ts';
import { loadServiceIdentity, readSecretFile, readServiceCertificate, readTrustMetadata, stateLayout, type ServiceName } from '../state/index.ts';
import { createFileCertificateStore, createFileSerialCounter } from '../storage/index.ts';
import { createTimeStampAuthority, createTsaServer } from '../tsa/index.ts';

/** A listening service: its base URL and how to stop it. */
export interface RunningService {
  readonly url: string;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

interface StartDeps<C> {
  readonly config: C;
  readonly log: Logger;
  /** Defaults to the system clock (this is a composition root). */
  readonly clock?: Clock;
}

async function listen(app: FastifyInstance, host: string, port: number): Promise<RunningService> {
  await app.listen({ host, port });
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address !== null ? address.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return { url: `http://${shownHost}:${actualPort}`, app, close: () => app.close() };
}

/**
 * Loads the CA's key (PIN from `keyPinFile`), its store and API key, and listens.
 *
 * @example
 * ```ts
 * const ca = await startCertificationAuthority({ config: loadCaConfig({ env: process.env }), log });
 * console.log(ca.url);
 * ```
 */
export async function startCertificationAuthority(deps: StartDeps<CaConfig>): Promise<RunningService> {
  const { config, log } = deps;
  const pin = await readSecretFile(config.keyPinFile, 'key PIN');
  const apiKey = await readSecretFile(config.apiKeyFile, 'admin API key');
  const issuer = await loadServiceIdentity(config.stateDir, 'ca', pin);
  const authority = createCertificationAuthority({
    settings: config,
    issuer,
    store: createFileCertificateStore({ dir: stateLayout(config.stateDir).issuedDir }),
    clock: deps.clock ?? systemClock,
    log: log.child({ module: 'ca' }),
  });
  return listen(createCaServer({ config, log: log.child({ module: 'ca-http' }), authority, apiKey }), config.host, config.port);
}

/** Loads the delegated responder key and the CA certificate, and listens. */
export async function startOcspResponder(deps: StartDeps<OcspConfig>): Promise<RunningService> {
  const { config, log } = deps;
  const pin = await readSecretFile(config.keyPinFile, 'key PIN');
  const responder = createOcspResponder({
    caCertificate: await readServiceCertificate(config.stateDir, 'ca'),
    responder: await loadServiceIdentity(config.stateDir, 'ocsp', pin),
    store: createFileCertificateStore({ dir: stateLayout(config.stateDir).issuedDir }),
    clock: deps.clock ?? systemClock,
    log: log.child({ module: 'ocsp' }),
    nextUpdateSeconds: config.nextUpdateSeconds,
    cacheMaxAgeSeconds: config.cacheMaxAgeSeconds,
  });
  return listen(createOcspServer({ config, log: log.child({ module: 'ocsp-http' }), responder }), config.host, config.port);
}

/** Loads the TSA key and its durable serial counter, and listens. */
export async function startTimeStampAuthority(deps: StartDeps<TsaConfig>): Promise<RunningService> {
  const { config, log } = deps;
  const pin = await readSecretFile(config.keyPinFile, 'key PIN');
  const authority = createTimeStampAuthority({
    tsa: await loadServiceIdentity(config.stateDir, 'tsa', pin),
    serials: createFileSerialCounter({ path: stateLayout(config.stateDir).tsaSerial }),
    clock: deps.clock ?? systemClock,
    log: log.child({ module: 'tsa' }),
    policyOid: config.policyOid,
  });
  return listen(createTsaServer({ config, log: log.child({ module: 'tsa-http' }), authority }), config.host, config.port);
}

/** Options of {@link startTrustServices}. */
export interface StartTrustServicesOptions {
  readonly stateDir: string;
  readonly log: Logger;
  readonly clock?: Clock;
  readonly host?: string;
  /** Ports (0 = any free port); defaults 8090 (CA), 8091 (OCSP), 8092 (TSA). */
  readonly ports?: { readonly ca?: number; readonly ocsp?: number; readonly tsa?: number };
  /** Environment for `TONLE_CA_*`, `TONLE_OCSP_*`, `TONLE_TSA_*` settings. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Start only these services (default: all three), e.g. to run each in its own process. */
  readonly only?: readonly ServiceName[];
  /** JSON configuration files per service (layered below env and the options above). */
  readonly configFiles?: { readonly ca?: string; readonly ocsp?: string; readonly tsa?: string };
}

/** The services running in this process (all three unless `only` was given). */
export interface RunningTrustServices {
  readonly ca?: RunningService;
  readonly ocsp?: RunningService;
  readonly tsa?: RunningService;
  close(): Promise<void>;
}

/**
 * Starts the OCSP responder, then the CA, then the TSA, from one state directory. When the responder
 * runs here too, the CA writes its actual URL into the certificates it issues; otherwise the CA uses
 * `ocspUrl` from its config file or `TONLE_CA_OCSP_URL`, else the URL recorded by `trust init`. If one
 * fails to start, the others are stopped.
 *
 * @example
 * ```ts
 * const services = await startTrustServices({ stateDir: 'certs/out/trust', log, ports: { ca: 0, ocsp: 0, tsa: 0 } });
 * console.log(services.ca?.url, services.ocsp?.url, services.tsa?.url);
 * await services.close();
 * ```
 */
export async function startTrustServices(options: StartTrustServicesOptions): Promise<RunningTrustServices> {
  const { stateDir, log } = options;
  const metadata = await readTrustMetadata(stateDir);
  const base = { stateDir, ...(options.host === undefined ? {} : { host: options.host }) };
  const env = options.env ?? {};
  const wanted = new Set<ServiceName>(options.only ?? ['ca', 'ocsp', 'tsa']);
  const clock = options.clock === undefined ? {} : { clock: options.clock };
  const file = (service: ServiceName): { file?: string } => {
    const path = options.configFiles?.[service];
    return path === undefined ? {} : { file: path };
  };
  const started: RunningService[] = [];
  const running: { ca?: RunningService; ocsp?: RunningService; tsa?: RunningService } = {};
  try {
    if (wanted.has('ocsp')) {
      running.ocsp = await startOcspResponder({ config: loadOcspConfig({ ...file('ocsp'), env, overrides: { ...base, port: options.ports?.ocsp } }), log, ...clock });
      started.push(running.ocsp);
    }
    if (wanted.has('ca')) {
      // A responder running here is the one to name; otherwise file/env decide, then what `trust init` recorded.
      const config = loadCaConfig({
        ...file('ca'),
        defaults: { instanceIdentifier: metadata.instanceIdentifier, ocspUrl: metadata.ocspUrl },
        env,
        overrides: { ...base, port: options.ports?.ca, ocspUrl: running.ocsp === undefined ? undefined : `${running.ocsp.url}/` },
      });
      running.ca = await startCertificationAuthority({ config, log, ...clock });
      started.push(running.ca);
    }
    if (wanted.has('tsa')) {
      running.tsa = await startTimeStampAuthority({ config: loadTsaConfig({ ...file('tsa'), env, overrides: { ...base, port: options.ports?.tsa } }), log, ...clock });
      started.push(running.tsa);
    }
    return {
      ...running,
      async close() {
        await Promise.all(started.map((s) => s.close()));
      },
    };
  } catch (e) {
    await Promise.allSettled(started.map((s) => s.close()));
    throw e;
  }
}
