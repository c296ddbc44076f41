import type { ClientId, ServiceId, SubsystemId } from '@tonle/protocol';
import { grantedRights, matchMethod, matchPathGlob, type GlobalGroupMembership } from '../access-control/index.ts';
import type { Endpoint, ServerConfSnapshot, ServiceConf } from '../server-conf/index.ts';
import { isMetaservice } from './codes.ts';

/** One endpoint as X-Road's JSON names it (`endpoint_list[]`). */
export interface RestEndpointJson {
  readonly method: string;
  readonly path: string;
}

/**
 * One service of `listMethods` / `allowedMethods`, with X-Road's snake_case field names in X-Road's order
 * (pr-mrest Annex B.1: Jackson SNAKE_CASE over `XRoadRestServiceDetailsType`).
 */
export interface RestServiceJson {
  readonly member_class: string;
  readonly member_code: string;
  readonly object_type: 'SERVICE';
  readonly service_code: string;
  readonly service_type: 'OPENAPI' | 'REST';
  readonly subsystem_code: string;
  readonly xroad_instance: string;
  readonly endpoint_list: readonly RestEndpointJson[];
}

/** The whole answer: `{"service":[...]}`. */
export interface RestServiceListJson {
  readonly service: readonly RestServiceJson[];
}

/**
 * X-Road's base endpoint (`*` `**`) stands for the whole service; `getServiceEndpoints` leaves it out of the
 * lists (`!e.isBaseEndpoint()`), and so do we.
 */
function isBaseEndpoint(e: Endpoint): boolean {
  return e.method === '*' && e.path === '**';
}

function describe(service: ServiceConf, endpoints: readonly Endpoint[]): RestServiceJson {
  const id: ServiceId = service.id;
  return {
    member_class: id.memberClass,
    member_code: id.memberCode,
    object_type: 'SERVICE',
    service_code: id.serviceCode,
    service_type: service.type === 'OPENAPI3' ? 'OPENAPI' : 'REST',
    subsystem_code: id.subsystemCode,
    xroad_instance: id.instance,
    endpoint_list: endpoints.filter((e) => !isBaseEndpoint(e)).map((e) => ({ method: e.method, path: e.path })),
  };
}

/** The provider's services as metaservices may show them: never a metaservice code (pr-mrest §4 "SHALL NOT"). */
function listable(snapshot: ServerConfSnapshot, provider: SubsystemId): readonly ServiceConf[] {
  return snapshot.servicesOf(provider).filter((s) => !isMetaservice(s.id.serviceCode));
}

/**
 * `listMethods`: every REST and OpenAPI service of the provider subsystem with all its endpoints, whoever asks
 * (X-Road `getRestServices`: no access check, disabled services included).
 */
export function listMethods(snapshot: ServerConfSnapshot, provider: SubsystemId): RestServiceListJson {
  return { service: listable(snapshot, provider).map((s) => describe(s, s.endpoints)) };
}

/**
 * `allowedMethods`: the services on which some right covers `client` (subsystem, global group or local group:
 * the access-control module's rules), each with the endpoints those rights cover. A service-level right covers
 * every endpoint; an endpoint-level right covers the endpoints its method and path glob match, so a right on
 * `* /admin/**` lists `* /admin/**` and also `GET /admin/users` if that endpoint exists
 * (X-Road `getAllowedRestServices`: `acl.anyMatch(it -> it.matches(e.method, e.path))`).
 */
export function allowedMethods(
  snapshot: ServerConfSnapshot,
  provider: SubsystemId,
  client: ClientId,
  globalGroups: GlobalGroupMembership,
): RestServiceListJson {
  const service: RestServiceJson[] = [];
  for (const s of listable(snapshot, provider)) {
    const rights = grantedRights({ client, service: s.id, snapshot, globalGroups });
    if (rights.length === 0) continue;
    const covered = rights.some((r) => r.endpoint === undefined)
      ? s.endpoints
      : s.endpoints.filter((e) =>
          rights.some((r) => r.endpoint !== undefined && matchMethod(r.endpoint.method, e.method) && matchPathGlob(r.endpoint.path, e.path)),
        );
    service.push(describe(s, covered));
  }
  return { service };
}
