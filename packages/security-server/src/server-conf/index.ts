/** server-conf: the security server's local configuration (X-Road ServerConf): clients, services, access rights. */
export type {
  AccessRight,
  AccessSubject,
  ClientStatus,
  Endpoint,
  HostedClient,
  IsAuthenticationMode,
  LocalGroup,
  ServerConfState,
  ServiceConf,
  ServiceOpenApi,
  ServiceType,
} from './types.ts';
export { CLIENT_STATUSES, IS_AUTHENTICATION_MODES, RESERVED_SERVICE_CODES, SERVICE_TYPES } from './types.ts';
export { ServerConfError, type ServerConfErrorCode } from './errors.ts';
export type { ServerConfStore } from './store.ts';
export { createFileServerConfStore } from './file-store.ts';
export { createRedisServerConfStore } from './redis-store.ts';
export { createMemoryServerConfStore } from './memory-store.ts';
export { validateServerConfState } from './validate.ts';
export {
  createServerConf,
  type ClientPatch,
  type NewClient,
  type NewService,
  type OpenApiRefresh,
  type OpenApiRefreshResult,
  type ServerConf,
  type ServerConfContent,
  type ServerConfSnapshot,
  type ServerConfTimers,
  type ServicePatch,
} from './server-conf.ts';
