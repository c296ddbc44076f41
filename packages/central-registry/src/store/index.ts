export type { PublishedConfiguration, RegistryStore, StoredState } from './types.ts';
export { createFileStore } from './file-store.ts';
export { createRedisStore } from './redis-store.ts';
