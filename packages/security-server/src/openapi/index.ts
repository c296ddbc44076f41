/** openapi: reads OpenAPI 3.0/3.1 descriptions (JSON or YAML) and generates a service's endpoints from them. */
export { OpenApiError, type OpenApiErrorCode } from './errors.ts';
export { DEFAULT_MAX_OPENAPI_BYTES, type OpenApiFormat } from './parse.ts';
export { parseOpenApi, serviceUrlOf, type OpenApiDescription, type ParseOpenApiOptions } from './describe.ts';
export { checkDescriptionUrl, fetchOpenApiText, type FetchOpenApiOptions } from './fetch.ts';
