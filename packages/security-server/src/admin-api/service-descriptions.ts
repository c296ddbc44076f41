import type { ServiceId } from '@tonle/protocol';
import { fetchOpenApiText, parseOpenApi, serviceUrlOf, type OpenApiDescription } from '../openapi/index.ts';
import type { Endpoint, OpenApiRefreshResult, ServiceConf, ServiceOpenApi } from '../server-conf/index.ts';
import { AdminApiError } from './errors.ts';
import type { AdminServices } from './services.ts';

/** Where a description comes from in a request: its text (`openapi`) or a URL the server fetches (`openapiUrl`). */
export interface DescriptionInput {
  readonly openapi?: unknown;
  readonly openapiUrl?: unknown;
}

export interface ImportedDescription {
  readonly description: OpenApiDescription;
  readonly stored: ServiceOpenApi;
}

function given(body: DescriptionInput): 'text' | 'url' | undefined {
  const text = typeof body.openapi === 'string';
  const url = typeof body.openapiUrl === 'string';
  if (text && url) throw new AdminApiError('TONLE_ERR_ADMIN_VALIDATION', 400, 'send either "openapi" (the description) or "openapiUrl", not both');
  return text ? 'text' : url ? 'url' : undefined;
}

/** Reads (or fetches, with the service's TLS verification) and checks a description; nothing is stored. */
async function load(s: AdminServices, input: { text: string } | { url: string }, tlsVerify: boolean): Promise<ImportedDescription> {
  let source = 'upload';
  let description: OpenApiDescription;
  if ('text' in input) description = parseOpenApi(input.text);
  else {
    const fetched = await fetchOpenApiText(input.url, { tlsVerify });
    source = fetched.url;
    description = parseOpenApi(fetched.body);
  }
  return {
    description,
    stored: { format: description.format, document: description.text, source, importedAt: s.clock.now() },
  };
}

/**
 * For `POST /services` with `type: OPENAPI3` and a description: the endpoints are generated and the service
 * URL is `url` when given, else the description's `servers[0].url` (relative ones resolved against
 * `openapiUrl`). Returns undefined when the body names no description (a plain REST service).
 */
export async function describedService(
  s: AdminServices,
  body: DescriptionInput & { readonly type?: unknown; readonly url?: unknown; readonly endpoints?: unknown; readonly tlsVerify?: unknown },
): Promise<{ url: string; endpoints: readonly Endpoint[]; openapi: ServiceOpenApi } | undefined> {
  const kind = given(body);
  if (kind === undefined) {
    if (typeof body.url !== 'string') throw new AdminApiError('TONLE_ERR_ADMIN_VALIDATION', 400, 'give the service base URL ("url"), or an OpenAPI 3 description ("openapi" or "openapiUrl") with type OPENAPI3');
    return undefined;
  }
  if (body.type !== 'OPENAPI3') throw new AdminApiError('TONLE_ERR_ADMIN_VALIDATION', 400, 'a service published from a description has "type": "OPENAPI3"');
  if (body.endpoints !== undefined) {
    throw new AdminApiError('TONLE_ERR_ADMIN_VALIDATION', 400, 'the endpoints of an OPENAPI3 service are generated from its description; add extra ones later with POST /services/:id/endpoints');
  }
  const { description, stored } = await load(s, kind === 'text' ? { text: body.openapi as string } : { url: body.openapiUrl as string }, body.tlsVerify !== false);
  const url = typeof body.url === 'string' ? body.url : serviceUrlOf(description, kind === 'url' ? stored.source : undefined);
  return { url, endpoints: description.endpoints, openapi: stored };
}

/**
 * `PUT /services/:id/openapi/refresh`: re-reads the description (the new text, a new URL, or the stored URL
 * again) and replaces the generated endpoints. The service URL is kept (the operator may have set it).
 */
export async function refreshDescription(s: AdminServices, id: ServiceId, body: DescriptionInput): Promise<OpenApiRefreshResult> {
  const service = s.serverConf.current().service(id);
  if (service === undefined) throw new AdminApiError('TONLE_ERR_ADMIN_NOT_FOUND', 404, 'no such service');
  if (service.type !== 'OPENAPI3') throw new AdminApiError('TONLE_ERR_ADMIN_CONFLICT', 409, `the service is ${service.type}; only OPENAPI3 services have a description to refresh`);
  const kind = given(body);
  let input: { text: string } | { url: string };
  if (kind === 'text') input = { text: body.openapi as string };
  else if (kind === 'url') input = { url: body.openapiUrl as string };
  else if (service.openapi !== undefined && service.openapi.source !== 'upload') input = { url: service.openapi.source };
  else {
    throw new AdminApiError('TONLE_ERR_ADMIN_VALIDATION', 400, 'this description was uploaded, so there is nothing to re-fetch; send the new text in "openapi" (or a URL in "openapiUrl")');
  }
  const { description, stored } = await load(s, input, service.tlsVerify);
  return s.serverConf.refreshOpenApi(id, { openapi: stored, endpoints: description.endpoints, generatedBefore });
}

/** The endpoints a stored description generates (none if there is none or it no longer parses). */
function generatedBefore(service: ServiceConf): readonly Endpoint[] {
  if (service.openapi === undefined) return [];
  try {
    return parseOpenApi(service.openapi.document).endpoints;
  } catch {
    return [];
  }
}
