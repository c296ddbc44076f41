/**
 * The one configuration schema of a security server (style.md "Config, logs, time"): every setting, its
 * type, its default and the environment variable that overrides it. Layering is defaults < file < env.
 */

/** One setting. `path` is dotted (`clientProxy.port`); the env name is derived from it. */
export interface Setting {
  readonly path: string;
  readonly kind: 'string' | 'int' | 'bool' | 'enum' | 'file' | 'secret-file';
  readonly default?: string | number | boolean;
  readonly required?: boolean;
  /** Required unless this other setting is given (the token-held keys of operations mode replace key files). */
  readonly requiredUnless?: string;
  readonly min?: number;
  readonly max?: number;
  readonly values?: readonly string[];
  readonly doc: string;
}

const MiB = 1024 * 1024;

export const settings: readonly Setting[] = [
  { path: 'serverId', kind: 'string', required: true, doc: 'this server, INSTANCE/CLASS/MEMBER/SERVERCODE' },
  { path: 'clientProxy.host', kind: 'string', default: '127.0.0.1', doc: 'address the client proxy listens on' },
  { path: 'clientProxy.port', kind: 'int', default: 8080, min: 0, max: 65535, doc: 'client proxy port (0 = any free port)' },
  { path: 'clientProxy.maxBodyBytes', kind: 'int', default: 4 * 1024 * MiB, min: 0, max: 2 ** 40, doc: 'largest body accepted from an information system, and largest response body passed back to it (larger: 413 Client.RequestTooLarge)' },
  { path: 'clientProxy.requestTimeoutMs', kind: 'int', default: 60_000, min: 1_000, max: 3_600_000, doc: 'time an information system has to send a whole request (slow clients get 408 Client.RequestTimeout)' },
  { path: 'serverProxy.host', kind: 'string', default: '0.0.0.0', doc: 'address the server proxy (mutual TLS) listens on' },
  { path: 'serverProxy.port', kind: 'int', default: 5500, min: 0, max: 65535, doc: 'server proxy port (0 = any free port)' },
  { path: 'serverProxy.maxBodyBytes', kind: 'int', default: 4 * 1024 * MiB, min: 0, max: 2 ** 40, doc: 'largest body accepted from a peer security server, and largest response body accepted from a provider service' },
  { path: 'spool.directory', kind: 'file', doc: 'where bodies larger than spool.memoryBytes are held while they are hashed and checked (for this server only: leftovers are removed at start); default <operations.dataDir>/spool, else a fresh temporary directory' },
  { path: 'spool.memoryBytes', kind: 'int', default: 10 * MiB, min: 0, max: 1024 * MiB, doc: 'bodies up to this size stay in memory; larger ones stream through a spool file (only bodies held in memory can be stored in the message log)' },
  { path: 'tls.certificateFile', kind: 'file', requiredUnless: 'operations.dataDir', doc: 'PEM: this server\'s registered authentication certificate (then its chain)' },
  { path: 'tls.keyFile', kind: 'file', requiredUnless: 'operations.dataDir', doc: 'PEM: the authentication private key (PKCS#8, encrypted when tls.keyPinFile is set)' },
  { path: 'tls.keyPinFile', kind: 'secret-file', doc: 'file holding the PIN of the authentication key' },
  { path: 'tls.minVersion', kind: 'enum', default: 'TLSv1.2', values: ['TLSv1.2', 'TLSv1.3'], doc: 'lowest TLS version offered between security servers' },
  { path: 'signing.certificateFile', kind: 'file', requiredUnless: 'operations.dataDir', doc: 'PEM: the owner member\'s signing certificate (then its chain)' },
  { path: 'signing.keyFile', kind: 'file', requiredUnless: 'operations.dataDir', doc: 'PEM: the signing private key (PKCS#8, encrypted when signing.keyPinFile is set)' },
  { path: 'signing.keyPinFile', kind: 'secret-file', doc: 'file holding the PIN of the signing key' },
  { path: 'globalConf.anchorFile', kind: 'file', requiredUnless: 'operations.dataDir', doc: 'the configuration anchor (JSON: instance, source URLs, verification keys), given out of band' },
  { path: 'globalConf.cacheFile', kind: 'file', default: 'globalconf-cache.json', doc: 'where the last verified configuration is kept across restarts' },
  { path: 'globalConf.pollIntervalMs', kind: 'int', default: 60_000, min: 1_000, max: 86_400_000, doc: 'how often the configuration is downloaded from its sources' },
  { path: 'messageLog.directory', kind: 'file', doc: 'directory of the durable message log; when unset, records are kept in memory only (no durability)' },
  { path: 'messageLog.checkpointIntervalMs', kind: 'int', default: 60_000, min: 1_000, max: 86_400_000, doc: 'how often the message log signs a checkpoint and asks a TSA to time-stamp it (X-Road: timeStampingIntervalSeconds, 60 s)' },
  { path: 'serverConf.file', kind: 'file', required: true, doc: 'JSON: clients hosted here, their services and access rights' },
  { path: 'transport.peerPort', kind: 'int', default: 5500, min: 1, max: 65535, doc: 'port of peer security servers\' server proxies (the configuration lists host names only)' },
  { path: 'transport.connectTimeoutMs', kind: 'int', default: 5_000, min: 1, max: 600_000, doc: 'TCP+TLS connect timeout towards peer security servers' },
  { path: 'transport.responseTimeoutMs', kind: 'int', default: 120_000, min: 1, max: 3_600_000, doc: 'time to wait for a peer security server\'s answer' },
  { path: 'transport.connectionsPerPeer', kind: 'int', default: 16, min: 1, max: 1024, doc: 'keep-alive connections per peer security server' },
  { path: 'operations.dataDir', kind: 'file', doc: 'operations mode: directory of the software token, keys, certificates, admin API keys, audit log, anchor, backups and operational monitoring; keys and certificates then come from the token (the tls.* / signing.* files and globalConf.anchorFile are not used)' },
  { path: 'operations.pinFile', kind: 'secret-file', doc: 'operations mode: file holding the token PIN, to log the token in at start (X-Road autologin); without it an officer logs in through the admin API' },
  { path: 'operations.syncIntervalMs', kind: 'int', default: 60_000, min: 500, max: 3_600_000, doc: 'operations mode: how often certificate and client states follow the global configuration and own OCSP responses are refreshed' },
  { path: 'admin.host', kind: 'string', default: '127.0.0.1', doc: 'operations mode: address of the admin API listener (keep it internal)' },
  { path: 'admin.port', kind: 'int', default: 4000, min: 0, max: 65535, doc: 'operations mode: admin API port' },
  { path: 'admin.apiKeyFile', kind: 'file', doc: 'operations mode: on the first start (no API key yet) a key with every role is created and written here (mode 0600); it is never logged' },
  { path: 'monitoring.host', kind: 'string', default: '127.0.0.1', doc: 'operations mode: address of the monitoring listener (/metrics, /health/live, /health/ready) for load balancers and Prometheus' },
  { path: 'monitoring.port', kind: 'int', default: 5588, min: 0, max: 65535, doc: 'operations mode: monitoring port' },
  { path: 'log.level', kind: 'enum', default: 'info', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], doc: 'pino log level' },
];

/** `clientProxy.maxBodyBytes` -> `TONLE_CLIENT_PROXY_MAX_BODY_BYTES`. */
export function envNameOf(path: string): string {
  return `TONLE_${path.replace(/\./g, '_').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}
