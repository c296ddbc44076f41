import { AdminApiError } from './errors.ts';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { formatSecurityServerId, securityServerId, type Clock, type ConfigurationAnchor, type SecurityServerId } from '@tonle/protocol';
import type { GlobalConfStatus } from '../global-conf/index.ts';
import { createHealth, createMonitoringApp, type Health } from '../health/index.ts';
import { createKeyManager, createOcspStatusChecker, type KeyManager } from '../keys/index.ts';
import type { MessageLogStatus } from '../message-log/index.ts';
import { createMetricsRegistry, createSecurityServerMetrics, type MetricsRegistry, type SecurityServerMetrics } from '../metrics/index.ts';
import { createOperationalMonitoringStore, type OperationalMonitoringStore } from '../opmonitoring/index.ts';
import { createRegistrationClient, type RegistrationClient, type RegistrationView } from '../registration/index.ts';
import type { ServerConf } from '../server-conf/index.ts';
import { createSoftwareToken, type SoftwareToken } from '../token/index.ts';
import { createFileAnchorStore, type AnchorStore } from './anchor-file.ts';
import { createFileApiKeyStore, type ApiKeyStore } from './api-keys.ts';
import { createAdminApp } from './app.ts';
import { createFileAuditLog, type AuditLog } from './audit-log.ts';
import { createBackupService, type BackupService } from './backup.ts';
import { createFileLocalSettings, type LocalSettings } from './local-settings.ts';
import type { Role } from './roles.ts';
import type { AdminAppOptions } from './services.ts';

/** The OCSP service of src/ocsp as far as operations use it. */
export interface OperationsOcsp {
  refresh(certificate: Uint8Array): Promise<{ readonly thisUpdate: number; readonly nextUpdate?: number }>;
  staple(certificate: Uint8Array): Promise<Uint8Array>;
  addOwnCertificate?(certificate: Uint8Array): void;
}

/** The global-conf holder of src/global-conf as far as operations use it. */
export interface OperationsGlobalConf {
  status(): GlobalConfStatus;
  lastGood(): { readonly document: RegistrationView } | undefined;
}

export interface OperationsOptions {
  /** Holds token/, keys.json, api-keys.json, admin-audit.jsonl, settings.json, anchor.json, backups/, opmonitoring/. */
  readonly dataDir: string;
  readonly clock: Clock;
  readonly serverConf: ServerConf;
  /** The server-conf file when the file store is used (included in backups). */
  readonly serverConfFile?: string;
  /** Getters, because both only exist once the server is initialised with an anchor. */
  readonly ocsp: () => OperationsOcsp | undefined;
  readonly globalConf: () => OperationsGlobalConf | undefined;
  readonly messageLog?: () => { status(): MessageLogStatus; exportEvidence?(xRoadId: string): Promise<unknown> } | undefined;
  /** Readiness writes a probe file here (the message-log directory). */
  readonly logDirectory?: string;
  /** Default: the anchor's first source with the path `/managementservice` (the registry serves both there). */
  readonly managementUrl?: () => string;
  readonly tokenOptions?: { readonly maxPinAttempts?: number; readonly lockoutMs?: number; readonly minPinLength?: number };
  readonly admin?: Omit<AdminAppOptions, 'services'>;
  /** Connection test to another security server (needs this server's credentials and configuration). */
  readonly connectionTest?: (server: SecurityServerId) => Promise<unknown>;
  /** DER of the certificate the client proxy's HTTPS port presents (absent when that port is not configured). */
  readonly clientProxyTlsCertificate?: () => Uint8Array;
  /** Called after POST /initialization (start the global-conf holder from `anchor.current()`). */
  readonly afterInitialization?: () => Promise<void>;
  /** How often states follow global conf and own OCSP statuses are refreshed (default 60 s). */
  readonly syncIntervalMs?: number;
}

export interface Operations {
  readonly token: SoftwareToken;
  readonly keys: KeyManager;
  readonly registration: RegistrationClient;
  readonly apiKeys: ApiKeyStore;
  readonly audit: AuditLog;
  readonly settings: LocalSettings;
  readonly backups: BackupService;
  readonly anchor: AnchorStore;
  readonly opMonitoring: OperationalMonitoringStore;
  readonly metricsRegistry: MetricsRegistry;
  readonly metrics: SecurityServerMetrics;
  readonly health: Health;
  /** The admin API (its own listener). */
  readonly adminApp: FastifyInstance;
  /** `/metrics`, `/health/live`, `/health/ready` (its own listener, or not started). */
  readonly monitoringApp: FastifyInstance;
  /** X-Road's token autologin: logs in with the PIN (from a PIN file read by the caller). */
  autologin(pin: string): Promise<void>;
  /** Creates an API key only when none exists (first start); returns the key to show once, else undefined. */
  ensureApiKey(input: { name: string; roles: readonly Role[] }): Promise<string | undefined>;
  /** One round now: states from the last global configuration, own certificates' OCSP. */
  syncNow(): Promise<void>;
  /** Starts the periodic sync (timer unref'd). */
  start(): void;
  /** Stops the timer and closes the admin, monitoring and audit resources. */
  close(): Promise<void>;
}

/** `<anchor source origin>/managementservice` (central-registry serves configuration and management requests on one listener). */
export function managementUrlFromAnchor(anchor: ConfigurationAnchor): string {
  const source = anchor.sources[0];
  if (source === undefined) throw new TypeError('the anchor has no source');
  return new URL('/managementservice', source.address).toString();
}

/**
 * Assembles the operations modules (token, keys, registration, admin API, metrics, health, operational
 * monitoring) over the exchange's server-conf, OCSP service and global-conf holder, so the security server
 * process wires them in a few lines.
 *
 * @example
 * ```ts
 * const ops = await createOperations({ dataDir, clock: systemClock, serverConf, ocsp: () => ocspService, globalConf: () => holder });
 * if (pinFile) await ops.autologin((await readFile(pinFile, 'utf8')).trim());
 * ops.start();
 * await ops.adminApp.listen({ host: '127.0.0.1', port: 4000 });
 * ```
 */
export async function createOperations(options: OperationsOptions): Promise<Operations> {
  const { dataDir, clock, serverConf } = options;
  const token = await createSoftwareToken({ directory: join(dataDir, 'token'), clock, ...options.tokenOptions });
  const anchor = await createFileAnchorStore({ path: join(dataDir, 'anchor.json') });
  const instance = () => anchor.current()?.instanceIdentifier;
  const ocspPort = () => {
    const o = options.ocsp();
    if (o === undefined) throw new Error('OCSP is not available before the server is initialised with an anchor');
    return o;
  };
  const keys = await createKeyManager({
    token,
    path: join(dataDir, 'keys.json'),
    clock,
    // The instance is fixed by the anchor; before initialisation no member keys can be made anyway.
    instance,
    ocsp: createOcspStatusChecker({ ocsp: { refresh: (der) => ocspPort().refresh(der) } }),
  });
  const serverId = () => {
    const st = serverConf.current().state;
    return securityServerId(st.owner.instance, st.owner.memberClass, st.owner.memberCode, st.serverCode);
  };
  const registration = createRegistrationClient({
    keys,
    token,
    serverConf,
    clock,
    server: serverId,
    managementUrl:
      options.managementUrl ??
      (() => {
        const a = anchor.current();
        if (a === undefined) throw new TypeError('no configuration anchor: initialise the server first');
        return managementUrlFromAnchor(a);
      }),
    ocspResponse: (der) => ocspPort().staple(der),
  });
  const apiKeys = await createFileApiKeyStore({ path: join(dataDir, 'api-keys.json'), clock });
  const audit = await createFileAuditLog({ path: join(dataDir, 'admin-audit.jsonl') });
  const settings = await createFileLocalSettings({ path: join(dataDir, 'settings.json') });
  const backups = createBackupService({
    directory: join(dataDir, 'backups'),
    sources: {
      ...(options.serverConfFile === undefined ? {} : { serverconf: options.serverConfFile }),
      keys: join(dataDir, 'keys.json'),
      token: join(dataDir, 'token'),
      settings: join(dataDir, 'settings.json'),
      anchor: join(dataDir, 'anchor.json'),
    },
    server: () => formatSecurityServerId(serverId()),
    clock,
    onRestored: async () => {
      await serverConf.reload();
    },
  });
  const opMonitoring = await createOperationalMonitoringStore({ directory: join(dataDir, 'opmonitoring'), clock });
  const unavailable: GlobalConfStatus = { state: 'unavailable', consecutiveFailures: 0 };
  const globalConfStatus = () => options.globalConf()?.status() ?? unavailable;
  const timestampingStatus = () => {
    const log = options.messageLog?.();
    if (log === undefined) return 'unknown' as const;
    const st = log.status();
    return st.refusing ? ('failing' as const) : st.lastTimestampAt !== undefined ? ('ok' as const) : ('unknown' as const);
  };
  const metricsRegistry = createMetricsRegistry();
  const metrics = createSecurityServerMetrics({
    registry: metricsRegistry,
    clock,
    sources: {
      globalConf: globalConfStatus,
      certificates: () => keys.listCertificates(),
      tokenLoggedIn: () => token.status().loggedIn,
      timestamping: () => settings.timestampingServices().map((t) => ({ name: t.name, ok: timestampingStatus() === 'ok' })),
    },
  });
  const usable = (probe: () => unknown): boolean => {
    try {
      probe();
      return true;
    } catch {
      return false;
    }
  };
  const health = createHealth({
    globalConf: globalConfStatus,
    token: () => token.status(),
    credentials: () => {
      const owner = serverConf.current().state.owner;
      return { signing: usable(() => keys.signerFor(owner)), authentication: usable(() => keys.authCredentials()) };
    },
    ...(options.messageLog === undefined
      ? {}
      : { messageLog: () => options.messageLog?.()?.status() ?? { treeSize: 0, durableSize: 0, checkpoints: 0, pendingCheckpoints: 0, oldestPendingSince: undefined, lastTimestampAt: undefined, refusing: false } }),
    ...(options.logDirectory === undefined ? {} : { logDirectory: options.logDirectory }),
  });
  const adminApp = createAdminApp({
    ...options.admin,
    services: {
      clock,
      token,
      keys,
      serverConf,
      registration,
      apiKeys,
      audit,
      settings,
      backups,
      anchor,
      opMonitoring,
      ...(options.connectionTest === undefined ? {} : { connectionTest: options.connectionTest }),
      ...(options.clientProxyTlsCertificate === undefined ? {} : { clientProxyTlsCertificate: options.clientProxyTlsCertificate }),
      ...(options.messageLog === undefined
        ? {}
        : {
            evidence: async (xRoadId: string) => {
              const log = options.messageLog?.();
              if (log?.exportEvidence === undefined) throw new AdminApiError('TONLE_ERR_ADMIN_NOT_FOUND', 404, 'the durable message log is not running yet');
              return log.exportEvidence(xRoadId);
            },
          }),
      diagnostics: {
        globalConf: globalConfStatus,
        timestamping: async () => settings.timestampingServices().map((t) => ({ name: t.name, url: t.url, status: timestampingStatus() })),
      },
      ...(options.afterInitialization === undefined ? {} : { afterInitialization: options.afterInitialization }),
    },
  });
  const monitoringApp = createMonitoringApp({ metrics: metricsRegistry, health });

  const syncNow = async () => {
    const doc = options.globalConf()?.lastGood()?.document;
    if (doc !== undefined) await registration.syncFromGlobalConf(doc);
    if (options.ocsp() !== undefined && token.status().loggedIn) {
      await keys.refreshOcsp();
      const o = options.ocsp();
      for (const c of keys.listCertificates()) if (c.active) o?.addOwnCertificate?.(new Uint8Array(Buffer.from(c.der, 'base64')));
    }
  };
  let timer: NodeJS.Timeout | undefined;
  return {
    token,
    keys,
    registration,
    apiKeys,
    audit,
    settings,
    backups,
    anchor,
    opMonitoring,
    metricsRegistry,
    metrics,
    health,
    adminApp,
    monitoringApp,
    async autologin(pin) {
      await token.login(pin);
    },
    async ensureApiKey(input) {
      if (apiKeys.list().length > 0) return undefined;
      return (await apiKeys.create(input)).key;
    },
    syncNow,
    start() {
      if (timer !== undefined) return;
      timer = setInterval(() => void syncNow().catch(() => undefined), options.syncIntervalMs ?? 60_000);
      timer.unref();
    },
    async close() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      await adminApp.close();
      await monitoringApp.close();
      await opMonitoring.flush().catch(() => undefined);
      await audit.close();
    },
  };
}
