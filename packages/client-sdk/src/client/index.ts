export {
  createClient,
  type CallControl,
  type CallOptions,
  type ClientTlsOptions,
  type CreateClientOptions,
  type OpenApiDocument,
  type XRoadClient,
} from './create-client.ts';
export type { HeadersInput, QueryInput, RequestBody, XRoadRequestOptions } from './request.ts';
export { readXRoadInfo, type ResponseHeaders, type XRoadResponse } from './response.ts';
export { IDEMPOTENT_METHODS, type RetryInfo, type RetryOptions } from './retry.ts';
