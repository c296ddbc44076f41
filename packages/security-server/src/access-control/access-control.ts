import { describeId, providerOf } from '@tonle/protocol';
import type { ClientId, GlobalGroupId, ServiceId } from '@tonle/protocol';
import type { AccessRight, ServerConfSnapshot } from '../server-conf/index.ts';
import { AccessControlError } from './errors.ts';
import { matchMethod, matchPathGlob } from './glob.ts';
import { normalizeServicePath } from './path.ts';

/** Global group membership, answered from the global configuration. */
export interface GlobalGroupMembership {
  isMemberOf(client: ClientId, group: GlobalGroupId): boolean;
}

export interface AccessQuery {
  readonly client: ClientId;
  readonly service: ServiceId;
  /** The HTTP method of the call. */
  readonly method: string;
  /** The raw service-relative path (after `/r1/.../serviceCode`, without the query), as received. */
  readonly path: string;
  readonly globalGroups: GlobalGroupMembership;
}

export type AccessDecision =
  | { readonly allowed: true; readonly normalizedPath: string; readonly right: AccessRight }
  | { readonly allowed: false; readonly reason: 'UNKNOWN_SERVICE' | 'NO_MATCHING_RIGHT'; readonly normalizedPath: string }
  | { readonly allowed: false; readonly reason: 'INVALID_PATH'; readonly error: AccessControlError };

export interface AccessControl {
  /**
   * X-Road `isQueryAllowed`: does some access right of the service cover this client, method and path?
   * Fails closed: an unknown service, a path that cannot be normalised safely, or no matching right all deny.
   * On success, forward `normalizedPath` (never the raw path) to the provider, so the provider serves exactly
   * what was authorised.
   */
  isQueryAllowed(query: AccessQuery): AccessDecision;
}

function subjectCovers(
  right: AccessRight,
  client: ClientId,
  snapshot: ServerConfSnapshot,
  globalGroups: GlobalGroupMembership,
): boolean {
  const subject = right.subject;
  switch (subject.type) {
    case 'SUBSYSTEM':
      return describeId(subject) === describeId(client);
    case 'GLOBALGROUP':
      return globalGroups.isMemberOf(client, subject);
    case 'LOCALGROUP': {
      // A local group belongs to the service's owner (X-Road ug-ss 8); another client's group of the same code
      // never counts.
      const group = snapshot.localGroup(providerOf(right.service), subject.groupCode);
      const key = describeId(client);
      return group !== undefined && group.members.some((m) => describeId(m) === key);
    }
  }
}

/**
 * The rights of a service that cover this client (service-level and endpoint-level), by the same subject rules
 * as `isQueryAllowed`: the subsystem itself, a global group it belongs to, or a local group of the service's
 * owner. The `allowedMethods` metaservice lists what they cover (X-Road `getAllowedRestServices`).
 */
export function grantedRights({
  client,
  service,
  snapshot,
  globalGroups,
}: {
  client: ClientId;
  service: ServiceId;
  snapshot: ServerConfSnapshot;
  globalGroups: GlobalGroupMembership;
}): readonly AccessRight[] {
  return snapshot.accessRights(service).filter((right) => subjectCovers(right, client, snapshot, globalGroups));
}

/** Creates the access checker over the current local configuration (`serverConf.current()` on every call). */
export function createAccessControl({ serverConf }: { serverConf: { current(): ServerConfSnapshot } }): AccessControl {
  if (serverConf === undefined || serverConf === null) throw new TypeError('createAccessControl({ serverConf }): serverConf is required');
  return {
    isQueryAllowed({ client, service, method, path, globalGroups }) {
      if (typeof method !== 'string' || method === '') throw new TypeError('isQueryAllowed: method must be a non-empty string');
      let normalizedPath: string;
      try {
        normalizedPath = normalizeServicePath(path);
      } catch (e) {
        if (e instanceof AccessControlError) return { allowed: false, reason: 'INVALID_PATH', error: e };
        throw e;
      }
      const snapshot = serverConf.current();
      if (snapshot.service(service) === undefined) return { allowed: false, reason: 'UNKNOWN_SERVICE', normalizedPath };
      for (const right of snapshot.accessRights(service)) {
        if (right.endpoint !== undefined) {
          if (!matchMethod(right.endpoint.method, method) || !matchPathGlob(right.endpoint.path, normalizedPath)) continue;
        }
        if (subjectCovers(right, client, snapshot, globalGroups)) return { allowed: true, normalizedPath, right };
      }
      return { allowed: false, reason: 'NO_MATCHING_RIGHT', normalizedPath };
    },
  };
}
