/**
 * @tonle/central-registry: members, security servers, management requests, and the signed global
 * configuration (architecture §2, §4, §7).
 */
export { RegistryError, isRegistryError, registryErrorStatus, type RegistryErrorCode } from './errors/index.ts';
export { createFileStore, createRedisStore, type PublishedConfiguration, type RegistryStore, type StoredState } from './store/index.ts';
export { createRegistry, initializeRegistry, DEFAULT_SETTINGS, type Actor, type Registry, type RegistryOptions } from './registry/index.ts';
export { buildGlobalConfiguration } from './publisher/index.ts';
export { createFileAuditLog, createMemoryAuditLog, type AuditEntry, type AuditLog } from './audit-log/index.ts';
export { generateSigningKey } from './signing-keys/index.ts';
export * from './state/index.ts';
export { adminOpenApi, createAdminApi, createPublicApi, GLOBAL_CONF_PATH, MANAGEMENT_PATH, type AdminApiOptions } from './http/index.ts';
export { submitManagementEnvelope, verifyManagementRequest, type ManagementEnvelope, type ManagementPayload, type VerifiedManagementRequest } from './management/index.ts';
export { loadRegistryConfig, parseRegistryConfig, readSigningKeyPin, type RegistryNodeConfig } from './config/index.ts';
export { createRegistryLogger, openStore, startRegistryNode, type RegistryNode } from './node/index.ts';
