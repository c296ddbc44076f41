/** admin-api: the security server's admin REST API (xroad-digest §8.2) on its own listener. */
export { AdminApiError, type AdminApiErrorCode } from './errors.ts';
export { ROLES, isRole, type Role } from './roles.ts';
export { createAdminApp, ADMIN_API_PREFIX, ROUTES } from './app.ts';
export type { RouteDef, HttpMethod } from './routes.ts';
export type { AdminServices, AdminAppOptions, TimestampingDiagnostics } from './services.ts';
export { createFileApiKeyStore, type ApiKeyStore, type ApiKeyRecord } from './api-keys.ts';
export { createFileAuditLog, type AuditLog, type AuditRecord } from './audit-log.ts';
export { createBackupService, type BackupService, type BackupServiceOptions, type BackupInfo } from './backup.ts';
export { createFileLocalSettings, type LocalSettings, type TimestampingServiceSetting } from './local-settings.ts';
export { createFileAnchorStore, type AnchorStore } from './anchor-file.ts';
export { createRateLimiter, type RateLimiter } from './rate-limit.ts';
export { parseColonClientId, parseColonServiceId, parseColonSubject, formatColonId } from './ids.ts';
export { createOperations, managementUrlFromAnchor, type Operations, type OperationsOptions, type OperationsOcsp, type OperationsGlobalConf } from './operations.ts';
