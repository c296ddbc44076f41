import { IdentifierError, describeId, formatServiceId, serviceId, type ClientId, type SubsystemId } from '@tonle/protocol';
import { grantedRights, type GlobalGroupMembership } from '../access-control/index.ts';
import { fault } from '../errors/index.ts';
import type { ServerConfSnapshot } from '../server-conf/index.ts';
import { isMetaservice, type MetaserviceAnswer } from './codes.ts';
import { allowedMethods, listMethods } from './service-list.ts';

/** What the server proxy knows, after the request's signature, signer and calling server were verified. */
export interface ProviderMetaserviceRequest {
  /** `listMethods`, `allowedMethods` or `getOpenAPI` (check with `isMetaserviceCall` first). */
  readonly serviceCode: string;
  /** The provider subsystem named in the path (`/r1/{provider}/{serviceCode}`). */
  readonly provider: SubsystemId;
  /** The verified caller (`X-Road-Client`, bound by the request signature). */
  readonly client: ClientId;
  /** The raw query string, without `?` (getOpenAPI reads `serviceCode` from it). */
  readonly query: string | undefined;
  /** The local configuration in force. */
  readonly snapshot: ServerConfSnapshot;
  /** Global group membership from the global configuration in force. */
  readonly globalGroups: GlobalGroupMembership;
}

const CONTENT_TYPES = { json: 'application/json', yaml: 'application/yaml' } as const;

function json(value: unknown): MetaserviceAnswer {
  return { status: 200, reason: 'OK', headers: [['content-type', 'application/json']], body: Buffer.from(JSON.stringify(value), 'utf8') };
}

/**
 * The `serviceCode` query parameter of getOpenAPI. X-Road reads it case-insensitively and the last one wins
 * (`RestMetadataServiceHandlerImpl.handleGetOpenApi`).
 */
function requestedServiceCode(query: string | undefined): string | undefined {
  let code: string | undefined;
  for (const [name, value] of new URLSearchParams(query ?? '')) if (name.toLowerCase() === 'servicecode') code = value;
  return code === '' ? undefined : code;
}

function getOpenApi(request: ProviderMetaserviceRequest): MetaserviceAnswer {
  const { provider, client, snapshot, globalGroups } = request;
  const code = requestedServiceCode(request.query);
  // X-Road: X_INVALID_REQUEST "Missing serviceCode", raised by the provider's server proxy.
  if (code === undefined) throw fault('Server.ServerProxy.InvalidRequest', 'getOpenAPI needs the query parameter serviceCode=<service code>');
  let target;
  try {
    target = serviceId(provider.instance, provider.memberClass, provider.memberCode, provider.subsystemCode, code, { validation: 'lenient' });
  } catch (error) {
    if (error instanceof IdentifierError) throw fault('Server.ServerProxy.InvalidRequest', 'serviceCode is not a valid service code', error);
    throw error;
  }
  // X-Road answers InternalError "Service not found" here; the catalog's precise code is the one a call to the
  // same service gets. Metaservice codes are reserved, so they have no description.
  const service = isMetaservice(code) ? undefined : snapshot.service(target);
  if (service === undefined) throw fault('Server.ServerProxy.UnknownService', `${formatServiceId(target)} is not a service of this provider`);
  // Tonle departs from X-Road here on purpose: X-Road hands any caller the description (with its `servers`
  // URLs rewritten), Tonle returns it as stored, so only a caller with some right on the service gets it.
  // `listMethods` still tells everyone which services and endpoints exist.
  if (grantedRights({ client, service: target, snapshot, globalGroups }).length === 0) {
    throw fault('Server.ServerProxy.AccessDenied', `${describeId(client)} has no access right on ${formatServiceId(target)}, so it cannot read its description`);
  }
  // X-Road: InternalError "Invalid service type"; ServiceType is the catalog's code for "not that kind of service".
  if (service.openapi === undefined) {
    throw fault('Server.ServerProxy.ServiceType', `${formatServiceId(target)} is a REST service without an OpenAPI description`);
  }
  return {
    status: 200,
    reason: 'OK',
    headers: [['content-type', CONTENT_TYPES[service.openapi.format]]],
    // Byte for byte as imported: no re-serialisation of JSON or YAML.
    body: Buffer.from(service.openapi.document, 'utf8'),
  };
}

/**
 * Answers `listMethods`, `allowedMethods` or `getOpenAPI` from the local configuration (pr-mrest §4-5), in place
 * of a provider call. Throws a catalog `GatewayFault` (`Server.ServerProxy.*`) when it cannot: the provider is
 * not a registered client here (`UnknownMember`), getOpenAPI's service is missing, unknown, not covered by a
 * right of the caller, or has no description. The caller logs, signs and returns the answer like any response.
 */
export function answerProviderMetaservice(request: ProviderMetaserviceRequest): MetaserviceAnswer {
  const { serviceCode, provider, client, snapshot, globalGroups } = request;
  if (!isMetaservice(serviceCode)) throw new TypeError(`answerProviderMetaservice: ${serviceCode} is not a metaservice; check isMetaserviceCall first`);
  // X-Road verifies the provider's client status before any handler (ServerRestMessageProcessor.verifyClientStatus).
  const owner = snapshot.client(provider);
  if (owner === undefined || owner.status !== 'REGISTERED') throw fault('Server.ServerProxy.UnknownMember', `${describeId(provider)} is not a registered client of this security server`);
  switch (serviceCode) {
    case 'listMethods':
      return json(listMethods(snapshot, provider));
    case 'allowedMethods':
      return json(allowedMethods(snapshot, provider, client, globalGroups));
    case 'getOpenAPI':
      return getOpenApi(request);
  }
}
