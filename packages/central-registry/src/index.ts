/**
 * @tonle/central-registry: members, security servers, management requests, and the signed global
 * configuration (architecture §2, §4, §7).
 */
export { RegistryError, isRegistryError, registryErrorStatus, type RegistryErrorCode } from './errors/index.ts';
export { createFileStore, createRedisStore, type PublishedConfiguration, type RegistryStore, type StoredState } from './store/index.ts';
