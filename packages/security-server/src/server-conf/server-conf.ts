import { describeId, providerOf } from '@tonle/protocol';
import type { ClientId, MemberId, ServiceId, SubsystemId } from '@tonle/protocol';
import { ServerConfError } from './errors.ts';
import type { ServerConfStore } from './store.ts';
import type { AccessRight, Endpoint, HostedClient, LocalGroup, ServerConfState, ServiceConf, ServiceOpenApi } from './types.ts';
import { accessRightKey, validateServerConfState } from './validate.ts';

/** An immutable view of one version of the local configuration, indexed for the proxies' hot path. */
export interface ServerConfSnapshot {
  readonly state: ServerConfState;
  client(id: ClientId): HostedClient | undefined;
  service(id: ServiceId): ServiceConf | undefined;
  servicesOf(provider: SubsystemId): readonly ServiceConf[];
  localGroup(owner: ClientId, code: string): LocalGroup | undefined;
  /** Every right granted on the service (service-level and endpoint-level). */
  accessRights(service: ServiceId): readonly AccessRight[];
}

/** The body of a state without its version: what an update function returns. */
export type ServerConfContent = Omit<ServerConfState, 'version'>;

export interface NewClient {
  readonly id: ClientId;
  readonly status?: HostedClient['status'];
  readonly isAuthentication?: HostedClient['isAuthentication'];
  readonly isCertHashes?: readonly string[];
}

export interface NewService {
  readonly id: ServiceId;
  readonly url: string;
  readonly type?: ServiceConf['type'];
  readonly timeoutSeconds?: number;
  readonly tlsVerify?: boolean;
  readonly pinnedCertHashes?: readonly string[];
  readonly enabled?: boolean;
  readonly disabledNotice?: string;
  readonly endpoints?: readonly Endpoint[];
  readonly openapi?: ServiceOpenApi;
}

/** A new description for an OPENAPI3 service and the endpoints generated from it. */
export interface OpenApiRefresh {
  readonly openapi: ServiceOpenApi;
  readonly endpoints: readonly Endpoint[];
  /**
   * The endpoints the service's current description generated (the caller parses it): these are replaced,
   * every other endpoint of the service was added by hand and stays.
   */
  readonly generatedBefore: (service: ServiceConf) => readonly Endpoint[];
}

export interface OpenApiRefreshResult {
  readonly snapshot: ServerConfSnapshot;
  readonly added: readonly Endpoint[];
  readonly removed: readonly Endpoint[];
  /** Endpoint-level rights on removed endpoints, revoked with them (as X-Road does on refresh). */
  readonly removedRights: readonly AccessRight[];
}

/** Injected timers (tests); defaults to unref'd global timers. */
export interface ServerConfTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const defaultTimers: ServerConfTimers = {
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export type ServicePatch = Partial<Omit<ServiceConf, 'id' | 'endpoints'>>;
export type ClientPatch = Partial<Omit<HostedClient, 'id'>>;

/** The local configuration service: validated, concurrency-safe updates over a `ServerConfStore`. */
export interface ServerConf {
  /** The last loaded snapshot (synchronous, for the hot path). Throws NOT_INITIALIZED before the first load. */
  current(): ServerConfSnapshot;
  /** Re-reads the store (cluster nodes call this periodically to see other nodes' changes). */
  reload(): Promise<ServerConfSnapshot>;
  /**
   * Re-reads the store every `intervalMs` so that changes written by other cluster nodes reach `current()`.
   * A failed read keeps the last snapshot and is reported to `onError`. Returns a function that stops watching.
   */
  watch(options: { intervalMs: number; onError?: (error: unknown) => void; timers?: ServerConfTimers }): () => void;
  /** Creates the configuration of a new server. Fails with ALREADY_INITIALIZED if one exists. */
  initialize(init: { owner: MemberId; serverCode: string }): Promise<ServerConfSnapshot>;
  /** Applies `change` to the latest stored state, validates the result and stores it; retried on conflicts. */
  update(change: (state: ServerConfState) => ServerConfContent): Promise<ServerConfSnapshot>;
  addClient(client: NewClient): Promise<ServerConfSnapshot>;
  updateClient(id: ClientId, patch: ClientPatch): Promise<ServerConfSnapshot>;
  /** Removes the client with its services, access rights and local groups. */
  removeClient(id: ClientId): Promise<ServerConfSnapshot>;
  addService(service: NewService): Promise<ServerConfSnapshot>;
  updateService(id: ServiceId, patch: ServicePatch): Promise<ServerConfSnapshot>;
  /** Removes the service and every access right on it. */
  removeService(id: ServiceId): Promise<ServerConfSnapshot>;
  addEndpoint(service: ServiceId, endpoint: Endpoint): Promise<ServerConfSnapshot>;
  /**
   * Replaces an OPENAPI3 service's description and its generated endpoints in one update. Endpoints the old
   * description generated but the new one does not are removed with the endpoint-level rights on them;
   * hand-added endpoints, service-level rights and rights on surviving endpoints stay.
   */
  refreshOpenApi(id: ServiceId, refresh: OpenApiRefresh): Promise<OpenApiRefreshResult>;
  /** Removes the endpoint and the endpoint-level rights on it. */
  removeEndpoint(service: ServiceId, endpoint: Endpoint): Promise<ServerConfSnapshot>;
  addLocalGroup(group: { owner: ClientId; code: string; description?: string; members?: readonly ClientId[] }): Promise<ServerConfSnapshot>;
  addLocalGroupMembers(owner: ClientId, code: string, members: readonly ClientId[]): Promise<ServerConfSnapshot>;
  removeLocalGroupMembers(owner: ClientId, code: string, members: readonly ClientId[]): Promise<ServerConfSnapshot>;
  /** Removes the group and every right granted to it. */
  removeLocalGroup(owner: ClientId, code: string): Promise<ServerConfSnapshot>;
  grantAccess(right: AccessRight): Promise<ServerConfSnapshot>;
  revokeAccess(right: AccessRight): Promise<ServerConfSnapshot>;
}

const MAX_ATTEMPTS = 200;

function snapshotOf(state: ServerConfState): ServerConfSnapshot {
  const clients = new Map(state.clients.map((c) => [describeId(c.id), c]));
  const services = new Map(state.services.map((s) => [describeId(s.id), s]));
  const byProvider = new Map<string, ServiceConf[]>();
  for (const s of state.services) {
    const k = describeId(providerOf(s.id));
    byProvider.set(k, [...(byProvider.get(k) ?? []), s]);
  }
  const groups = new Map(state.localGroups.map((g) => [`${describeId(g.owner)}|${g.code}`, g]));
  const rights = new Map<string, AccessRight[]>();
  for (const r of state.accessRights) {
    const k = describeId(r.service);
    rights.set(k, [...(rights.get(k) ?? []), r]);
  }
  return Object.freeze({
    state,
    client: (id: ClientId) => clients.get(describeId(id)),
    service: (id: ServiceId) => services.get(describeId(id)),
    servicesOf: (provider: SubsystemId) => byProvider.get(describeId(provider)) ?? [],
    localGroup: (owner: ClientId, code: string) => groups.get(`${describeId(owner)}|${code}`),
    accessRights: (service: ServiceId) => rights.get(describeId(service)) ?? [],
  });
}

function notFound(message: string): never {
  throw new ServerConfError('TONLE_ERR_SERVERCONF_NOT_FOUND', message);
}

function duplicate(message: string): never {
  throw new ServerConfError('TONLE_ERR_SERVERCONF_DUPLICATE', message);
}

const same = (a: ClientId | ServiceId, b: ClientId | ServiceId): boolean => describeId(a) === describeId(b);
const sameEndpoint = (a: Endpoint, b: Endpoint): boolean => a.method === b.method && a.path === b.path;

/**
 * Creates the local configuration service. Every update re-validates the whole document (identifiers, URLs,
 * globs, references) before it is stored, and uses the store's compare-and-set so that concurrent writers
 * never lose an update.
 */
export function createServerConf({ store }: { store: ServerConfStore }): ServerConf {
  if (store === undefined || store === null) throw new TypeError('createServerConf({ store }): store is required');
  let snapshot: ServerConfSnapshot | undefined;

  function remember(state: ServerConfState): ServerConfSnapshot {
    if (snapshot === undefined || state.version >= snapshot.state.version) snapshot = snapshotOf(state);
    return snapshot;
  }

  async function load(): Promise<ServerConfState | undefined> {
    const raw = await store.read();
    if (raw === undefined) return undefined;
    try {
      return validateServerConfState(raw);
    } catch (e) {
      throw new ServerConfError(
        'TONLE_ERR_SERVERCONF_CORRUPT',
        `The stored server configuration is invalid (${(e as Error).message}); fix or restore it.`,
        { cause: e },
      );
    }
  }

  async function commit(expected: number, content: unknown): Promise<ServerConfState | undefined> {
    const next = validateServerConfState({ ...(content as object), version: expected + 1 });
    return (await store.compareAndSet(expected, next)) ? next : undefined;
  }

  async function update(change: (state: ServerConfState) => ServerConfContent): Promise<ServerConfSnapshot> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await load();
      if (current === undefined) {
        throw new ServerConfError('TONLE_ERR_SERVERCONF_NOT_INITIALIZED', 'Initialise the server configuration first.');
      }
      const { version: _v, ...content } = change(current) as ServerConfContent & { version?: number };
      const next = await commit(current.version, content);
      if (next !== undefined) return remember(next);
    }
    throw new ServerConfError(
      'TONLE_ERR_SERVERCONF_CONFLICT',
      'The server configuration kept changing under this update; retry it.',
    );
  }

  function withService(state: ServerConfState, id: ServiceId, fn: (s: ServiceConf) => ServiceConf): ServerConfContent {
    if (!state.services.some((s) => same(s.id, id))) notFound(`Service ${describeId(id)} does not exist.`);
    return { ...state, services: state.services.map((s) => (same(s.id, id) ? fn(s) : s)) };
  }

  function withGroup(state: ServerConfState, owner: ClientId, code: string, fn: (g: LocalGroup) => LocalGroup): ServerConfContent {
    if (!state.localGroups.some((g) => same(g.owner, owner) && g.code === code)) {
      notFound(`Local group ${code} of ${describeId(owner)} does not exist.`);
    }
    return { ...state, localGroups: state.localGroups.map((g) => (same(g.owner, owner) && g.code === code ? fn(g) : g)) };
  }

  return {
    current() {
      if (snapshot === undefined) {
        throw new ServerConfError(
          'TONLE_ERR_SERVERCONF_NOT_INITIALIZED',
          'The server configuration is not loaded; call reload() or initialize() first.',
        );
      }
      return snapshot;
    },
    async reload() {
      const state = await load();
      if (state === undefined) {
        throw new ServerConfError('TONLE_ERR_SERVERCONF_NOT_INITIALIZED', 'No server configuration is stored; initialise it.');
      }
      snapshot = snapshotOf(state);
      return snapshot;
    },
    watch({ intervalMs, onError, timers = defaultTimers }) {
      if (!Number.isFinite(intervalMs) || intervalMs <= 0) throw new TypeError('ServerConf.watch: intervalMs must be a positive number');
      let stopped = false;
      let handle: unknown;
      const tick = (): void => {
        handle = timers.setTimeout(() => {
          load()
            .then((state) => {
              if (state !== undefined) remember(state);
            })
            .catch((e: unknown) => onError?.(e))
            .finally(() => {
              if (!stopped) tick();
            });
        }, intervalMs);
      };
      tick();
      return () => {
        stopped = true;
        timers.clearTimeout(handle);
      };
    },
    async initialize({ owner, serverCode }) {
      const next = await commit(0, { owner, serverCode, clients: [], services: [], localGroups: [], accessRights: [] });
      if (next === undefined) {
        throw new ServerConfError('TONLE_ERR_SERVERCONF_ALREADY_INITIALIZED', 'A server configuration already exists.');
      }
      return remember(next);
    },
    update,
    addClient(client) {
      return update((s) => {
        if (s.clients.some((c) => same(c.id, client.id))) duplicate(`Client ${describeId(client.id)} already exists.`);
        const added: HostedClient = {
          id: client.id,
          status: client.status ?? 'SAVED',
          isAuthentication: client.isAuthentication ?? 'SSLAUTH',
          isCertHashes: client.isCertHashes ?? [],
        };
        return { ...s, clients: [...s.clients, added] };
      });
    },
    updateClient(id, patch) {
      return update((s) => {
        if (!s.clients.some((c) => same(c.id, id))) notFound(`Client ${describeId(id)} does not exist.`);
        return { ...s, clients: s.clients.map((c) => (same(c.id, id) ? { ...c, ...patch, id: c.id } : c)) };
      });
    },
    removeClient(id) {
      return update((s) => {
        if (!s.clients.some((c) => same(c.id, id))) notFound(`Client ${describeId(id)} does not exist.`);
        const ownsService = (svc: ServiceId): boolean => same(providerOf(svc), id);
        return {
          ...s,
          clients: s.clients.filter((c) => !same(c.id, id)),
          services: s.services.filter((svc) => !ownsService(svc.id)),
          accessRights: s.accessRights.filter((r) => !ownsService(r.service)),
          localGroups: s.localGroups.filter((g) => !same(g.owner, id)),
        };
      });
    },
    addService(service) {
      return update((s) => {
        if (s.services.some((x) => same(x.id, service.id))) duplicate(`Service ${describeId(service.id)} already exists.`);
        const added: ServiceConf = {
          id: service.id,
          type: service.type ?? 'REST',
          url: service.url,
          timeoutSeconds: service.timeoutSeconds ?? 60,
          tlsVerify: service.tlsVerify ?? true,
          pinnedCertHashes: service.pinnedCertHashes ?? [],
          enabled: service.enabled ?? true,
          ...(service.disabledNotice === undefined ? {} : { disabledNotice: service.disabledNotice }),
          endpoints: service.endpoints ?? [],
          ...(service.openapi === undefined ? {} : { openapi: service.openapi }),
        };
        return { ...s, services: [...s.services, added] };
      });
    },
    updateService(id, patch) {
      return update((s) => withService(s, id, (svc) => ({ ...svc, ...patch, id: svc.id, endpoints: svc.endpoints })));
    },
    removeService(id) {
      return update((s) => {
        if (!s.services.some((x) => same(x.id, id))) notFound(`Service ${describeId(id)} does not exist.`);
        return {
          ...s,
          services: s.services.filter((x) => !same(x.id, id)),
          accessRights: s.accessRights.filter((r) => !same(r.service, id)),
        };
      });
    },
    addEndpoint(service, endpoint) {
      return update((s) =>
        withService(s, service, (svc) => {
          if (svc.endpoints.some((e) => sameEndpoint(e, endpoint))) {
            duplicate(`Endpoint ${endpoint.method} ${endpoint.path} already exists on ${describeId(service)}.`);
          }
          return { ...svc, endpoints: [...svc.endpoints, endpoint] };
        }),
      );
    },
    async refreshOpenApi(id, refresh) {
      let result: Omit<OpenApiRefreshResult, 'snapshot'> = { added: [], removed: [], removedRights: [] };
      const snapshot = await update((s) => {
        const svc = s.services.find((x) => same(x.id, id));
        if (svc === undefined) notFound(`Service ${describeId(id)} does not exist.`);
        if (svc.type !== 'OPENAPI3') {
          throw new ServerConfError('TONLE_ERR_SERVERCONF_INVALID_VALUE', `Service ${describeId(id)} is ${svc.type}, not OPENAPI3; it has no description.`);
        }
        // Keyed sets: a service may have up to 10 000 endpoints.
        const key = (e: Endpoint): string => `${e.method} ${e.path}`;
        const before = new Set(refresh.generatedBefore(svc).map(key));
        const kept = svc.endpoints.filter((e) => !before.has(key(e)));
        const keptKeys = new Set(kept.map(key));
        const fresh = refresh.endpoints.filter((e) => !keptKeys.has(key(e)));
        const endpoints = [...kept, ...fresh];
        const now = new Set(endpoints.map(key));
        const had = new Set(svc.endpoints.map(key));
        const gone = (e: Endpoint): boolean => !now.has(key(e));
        const removedRights = s.accessRights.filter((r) => same(r.service, id) && r.endpoint !== undefined && gone(r.endpoint));
        const revoked = new Set(removedRights);
        result = {
          added: fresh.filter((e) => !had.has(key(e))),
          removed: svc.endpoints.filter(gone),
          removedRights,
        };
        return {
          ...s,
          services: s.services.map((x) => (same(x.id, id) ? { ...x, endpoints, openapi: refresh.openapi } : x)),
          accessRights: s.accessRights.filter((r) => !revoked.has(r)),
        };
      });
      return { snapshot, ...result };
    },
    removeEndpoint(service, endpoint) {
      return update((s) => {
        const next = withService(s, service, (svc) => {
          if (!svc.endpoints.some((e) => sameEndpoint(e, endpoint))) {
            notFound(`Endpoint ${endpoint.method} ${endpoint.path} does not exist on ${describeId(service)}.`);
          }
          return { ...svc, endpoints: svc.endpoints.filter((e) => !sameEndpoint(e, endpoint)) };
        });
        return {
          ...next,
          accessRights: s.accessRights.filter(
            (r) => !(same(r.service, service) && r.endpoint !== undefined && sameEndpoint(r.endpoint, endpoint)),
          ),
        };
      });
    },
    addLocalGroup({ owner, code, description = '', members = [] }) {
      return update((s) => {
        if (s.localGroups.some((g) => same(g.owner, owner) && g.code === code)) {
          duplicate(`Local group ${code} of ${describeId(owner)} already exists.`);
        }
        return { ...s, localGroups: [...s.localGroups, { owner, code, description, members }] };
      });
    },
    addLocalGroupMembers(owner, code, members) {
      return update((s) =>
        withGroup(s, owner, code, (g) => {
          const fresh = members.filter((m) => !g.members.some((x) => same(x, m)));
          return { ...g, members: [...g.members, ...fresh] };
        }),
      );
    },
    removeLocalGroupMembers(owner, code, members) {
      return update((s) =>
        withGroup(s, owner, code, (g) => ({ ...g, members: g.members.filter((x) => !members.some((m) => same(x, m))) })),
      );
    },
    removeLocalGroup(owner, code) {
      return update((s) => {
        if (!s.localGroups.some((g) => same(g.owner, owner) && g.code === code)) {
          notFound(`Local group ${code} of ${describeId(owner)} does not exist.`);
        }
        return {
          ...s,
          localGroups: s.localGroups.filter((g) => !(same(g.owner, owner) && g.code === code)),
          accessRights: s.accessRights.filter(
            (r) => !(r.subject.type === 'LOCALGROUP' && r.subject.groupCode === code && same(providerOf(r.service), owner)),
          ),
        };
      });
    },
    grantAccess(right) {
      return update((s) => {
        if (s.accessRights.some((r) => accessRightKey(r) === accessRightKey(right))) {
          duplicate('This access right is already granted.');
        }
        return { ...s, accessRights: [...s.accessRights, right] };
      });
    },
    revokeAccess(right) {
      return update((s) => {
        if (!s.accessRights.some((r) => accessRightKey(r) === accessRightKey(right))) {
          notFound('This access right is not granted.');
        }
        return { ...s, accessRights: s.accessRights.filter((r) => accessRightKey(r) !== accessRightKey(right)) };
      });
    },
  };
}
