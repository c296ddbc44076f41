/**
 * @tonle/client-sdk: call other agencies' services through your own security server (X-Road REST r1),
 * discover them through the metaservices, and read the X-Road context of calls your own service receives.
 *
 * Subpath entry points: `@tonle/client-sdk/fastify` (the provider-side fastify plugin) and
 * `@tonle/client-sdk/testing` (a mock security server for your tests).
 */
export {
  IDEMPOTENT_METHODS,
  createClient,
  readXRoadInfo,
  type CallControl,
  type CallOptions,
  type ClientTlsOptions,
  type CreateClientOptions,
  type HeadersInput,
  type OpenApiDocument,
  type QueryInput,
  type RequestBody,
  type ResponseHeaders,
  type RetryInfo,
  type RetryOptions,
  type XRoadClient,
  type XRoadRequestOptions,
  type XRoadResponse,
} from './client/index.ts';
export * from './errors/index.ts';
export * from './metaservices/index.ts';
export * from './provider/index.ts';
export {
  formatClientId,
  formatServiceId,
  parseClientId,
  parseServiceId,
  serviceId,
  subsystemId,
  type ClientId,
  type FaultCode,
  type ServiceId,
  type SubsystemId,
} from '@tonle/protocol';
