import type { SecurityServerId } from '@tonle/protocol';
import type { Clock } from '@tonle/protocol';
import type { GlobalConfStatus } from '../global-conf/index.ts';
import type { KeyManager } from '../keys/index.ts';
import type { RegistrationClient } from '../registration/index.ts';
import type { ServerConf } from '../server-conf/index.ts';
import type { SoftwareToken } from '../token/index.ts';
import type { AnchorStore } from './anchor-file.ts';
import type { ApiKeyStore } from './api-keys.ts';
import type { AuditLog } from './audit-log.ts';
import type { BackupService } from './backup.ts';
import type { LocalSettings } from './local-settings.ts';
import type { OperationalMonitoringStore } from '../opmonitoring/index.ts';

export interface TimestampingDiagnostics {
  readonly name: string;
  readonly url: string;
  readonly status: 'ok' | 'failing' | 'unknown';
  readonly lastSuccessAt?: string;
  readonly lastErrorCode?: string;
}

/** Everything the admin API works on; one object shared with the other listeners (style.md). */
export interface AdminServices {
  readonly clock: Clock;
  readonly token: SoftwareToken;
  readonly keys: KeyManager;
  readonly serverConf: ServerConf;
  readonly registration: RegistrationClient;
  readonly apiKeys: ApiKeyStore;
  readonly audit: AuditLog;
  readonly settings: LocalSettings;
  readonly backups: BackupService;
  readonly anchor: AnchorStore;
  readonly diagnostics: {
    /** The global-conf holder's status(). */
    globalConf(): GlobalConfStatus;
    timestamping(): Promise<readonly TimestampingDiagnostics[]>;
  };
  /** Operational monitoring records (xroad-digest §9), when enabled. */
  readonly opMonitoring?: OperationalMonitoringStore;
  /** A mutual-TLS connection test to another security server (undefined before the server has credentials). */
  readonly connectionTest?: (server: SecurityServerId) => Promise<unknown>;
  /** DER of the client proxy's HTTPS (internal TLS) certificate; absent when no HTTPS port is configured. */
  readonly clientProxyTlsCertificate?: () => Uint8Array;
  /** One message's evidence bundle from the message log (throws the log's NOT_FOUND for unknown or unstamped ids). */
  readonly evidence?: (xRoadId: string) => Promise<unknown>;
  /** Called after a successful initialisation (e.g. to start the global-conf holder with the new anchor). */
  readonly afterInitialization?: () => Promise<void>;
}

export interface AdminAppOptions {
  readonly services: AdminServices;
  /** Body limit for ordinary requests (default 50 KB, X-Road's). */
  readonly bodyLimit?: number;
  /** Body limit for uploads: certificates, backups (default 10 MB). */
  readonly uploadLimit?: number;
  /** Per client address (default 20/s and 600/min, X-Road's). */
  readonly rateLimit?: { readonly perSecond: number; readonly perMinute: number };
}
