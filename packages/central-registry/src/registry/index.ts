import { GlobalConfError, validateGlobalConfiguration, type Clock, type ConfigurationAnchor, type GlobalConfAlgorithm } from '@tonle/protocol';
import type { AuditLog } from '../audit-log/index.ts';
import { RegistryError } from '../errors/index.ts';
import { buildGlobalConfiguration, signConfiguration } from '../publisher/index.ts';
import { generateSigningKey } from '../signing-keys/index.ts';
import { generateApiKey } from '../api-keys/index.ts';
import { parseState, serializeState, type RegistryState, type RegistrySettings, type SigningKeyRecord } from '../state/index.ts';
import type { PublishedConfiguration, RegistryStore } from '../store/index.ts';

/** Who asks for a change; written to the audit log. */
export interface Actor {
  readonly id: string;
}

/** Defaults of X-Road's central server (xroad-digest §4.6 and §5). */
export const DEFAULT_SETTINGS: RegistrySettings = Object.freeze({
  ocspFreshnessSeconds: 3600,
  timestampingIntervalSeconds: 60,
  configurationValiditySeconds: 600,
  requestMaxAgeSeconds: 600,
  autoApprove: Object.freeze({ authCertReg: false, clientReg: false }),
});

export interface RegistryOptions {
  readonly store: RegistryStore;
  readonly clock: Clock;
  readonly audit: AuditLog;
  /** Re-sign at least this often even when nothing changed (xroad-digest §4.6: 60 s). */
  readonly regenerateIntervalMs?: number;
  /** Decrypts the configuration signing keys; every node sharing a store needs the same PIN. */
  readonly signingKeyPin?: string;
  /** Where failures of background publication are reported (a pino logger fits). */
  readonly log?: { warn(details: object, message: string): void };
}

/**
 * Refuses a state whose configuration clients would reject, so no change can ever stop publication
 * (the document's strict schema is the last word on what may be stored).
 */
function checkPublishable(state: RegistryState, now: number): void {
  try {
    validateGlobalConfiguration(JSON.parse(JSON.stringify(buildGlobalConfiguration(state, { version: 1, now }))));
  } catch (error) {
    if (error instanceof GlobalConfError) {
      throw new RegistryError('TONLE_ERR_REGISTRY_VALIDATION', 'The change would make the global configuration invalid; see details.', {
        details: error.issues.map((i) => `${i.path}: ${i.message}`),
        cause: error,
      });
    }
    throw error;
  }
}

/** The central registry's service object: state changes, publication, anchor. Shared by every listener. */
export interface Registry {
  readonly clock: Clock;
  readonly store: RegistryStore;
  readonly audit: AuditLog;
  state(): Promise<RegistryState>;
  /**
   * Applies `change` by compare-and-set (retrying on a concurrent writer), writes an audit line, and
   * publishes a new configuration. A change that throws changes nothing and is audited as refused.
   */
  change(actor: Actor, action: string, target: string | undefined, change: (state: RegistryState) => RegistryState): Promise<RegistryState>;
  /** Publishes a new configuration if the state changed or the last one is older than the interval. */
  publish(options?: { force?: boolean }): Promise<PublishedConfiguration>;
  /** The configuration every node serves, read from the shared store. */
  published(): Promise<PublishedConfiguration | undefined>;
  anchor(): Promise<ConfigurationAnchor>;
  /** A new configuration signing key, encrypted with this registry's PIN if it has one. */
  newSigningKey(alg: GlobalConfAlgorithm): Promise<SigningKeyRecord>;
  /** Starts the periodic re-signing timer. */
  start(): void;
  stop(): Promise<void>;
}

/**
 * Creates the first state: instance, configuration URLs, member classes, a signing key and a
 * system-administrator API key (returned once, only its hash is stored).
 */
export async function initializeRegistry(options: {
  store: RegistryStore;
  clock: Clock;
  instanceIdentifier: string;
  configurationUrls: readonly string[];
  memberClasses?: readonly { code: string; description: string }[];
  settings?: Partial<RegistrySettings>;
  /** Encrypts the signing key at rest (PKCS#8, AES-256); then every node needs it (`signingKeyPin`). */
  signingKeyPin?: string;
}): Promise<{ apiKey: string; state: RegistryState }> {
  const now = options.clock.now();
  const { key, record } = generateApiKey({ name: 'initial administrator', roles: ['system-administrator', 'security-officer', 'registration-officer'], now });
  const state: RegistryState = {
    schemaVersion: 1,
    instanceIdentifier: options.instanceIdentifier,
    configurationUrls: [...options.configurationUrls],
    memberClasses: [...(options.memberClasses ?? [{ code: 'GOV', description: 'Government' }, { code: 'COM', description: 'Commercial' }, { code: 'NGO', description: 'Non-governmental' }])],
    members: [],
    securityServers: [],
    approvedCas: [],
    approvedTsas: [],
    globalGroups: [],
    settings: { ...DEFAULT_SETTINGS, ...options.settings, autoApprove: { ...DEFAULT_SETTINGS.autoApprove, ...options.settings?.autoApprove } },
    managementRequests: [],
    signingKeys: [await generateSigningKey({ now, ...(options.signingKeyPin === undefined ? {} : { pin: options.signingKeyPin }) })],
    apiKeys: [record],
  };
  // Validate what the configuration would contain before anything is stored.
  await signConfiguration(state, { version: 1, now, stateRevision: 1, pin: options.signingKeyPin }).catch((cause: unknown) => {
    throw new RegistryError('TONLE_ERR_REGISTRY_VALIDATION', `The initial configuration would be invalid: ${(cause as Error).message}`, { cause });
  });
  if (!(await options.store.writeState(0, serializeState(state)))) {
    throw new RegistryError('TONLE_ERR_REGISTRY_BAD_STATE', 'The registry store is already initialised; use it as it is or choose another data directory.');
  }
  return { apiKey: key, state };
}

export function createRegistry(options: RegistryOptions): Registry {
  const { store, clock, audit } = options;
  const interval = options.regenerateIntervalMs ?? 60_000;
  let timer: ReturnType<typeof setInterval> | undefined;
  let publishing: Promise<PublishedConfiguration> | undefined;

  const read = async (): Promise<{ revision: number; state: RegistryState }> => {
    const stored = await store.readState();
    if (stored === undefined) throw new RegistryError('TONLE_ERR_REGISTRY_NOT_INITIALIZED', 'The registry is not initialised; run `tonle registry init`.');
    return { revision: stored.revision, state: parseState(stored.state) };
  };

  const publishOnce = async (force: boolean): Promise<PublishedConfiguration> => {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const [{ revision, state }, current] = await Promise.all([read(), store.readPublished()]);
      const now = clock.now();
      const fresh = current !== undefined && current.stateRevision === revision && now - current.generatedAtMs < interval && now < current.expiresAtMs;
      if (fresh && !force) return current;
      const conf = await signConfiguration(state, { version: (current?.version ?? 0) + 1, now, stateRevision: revision, pin: options.signingKeyPin });
      if (await store.publish(conf)) return conf;
      // Another node published first; serve theirs if it already reflects this state.
      const theirs = await store.readPublished();
      if (theirs !== undefined && theirs.stateRevision >= revision && !force) return theirs;
    }
    throw new RegistryError('TONLE_ERR_REGISTRY_CONFLICT', 'Could not publish the configuration: other nodes kept publishing; retry.');
  };

  const registry: Registry = {
    clock,
    store,
    audit,
    state: async () => (await read()).state,

    async change(actor, action, target, change) {
      const at = new Date(clock.now()).toISOString();
      const entry = { at, actor: actor.id, action, ...(target === undefined ? {} : { target }) };
      let next: RegistryState | undefined;
      try {
        for (let attempt = 0; attempt < 50 && next === undefined; attempt += 1) {
          const { revision, state } = await read();
          const candidate = change(state);
          checkPublishable(candidate, clock.now());
          if (await store.writeState(revision, serializeState(candidate))) next = candidate;
        }
        if (next === undefined) throw new RegistryError('TONLE_ERR_REGISTRY_CONFLICT', 'Too many concurrent changes; retry the request.');
      } catch (error) {
        const code = error instanceof RegistryError ? error.code : 'internal';
        await audit.append({ ...entry, outcome: 'refused', code }).catch(() => undefined);
        throw error;
      }
      await audit.append({ ...entry, outcome: 'ok' });
      // The change is durable; if publishing fails now, the periodic re-signing publishes it.
      await registry.publish().catch((error: unknown) => options.log?.warn({ code: (error as { code?: string }).code }, 'publishing the configuration failed; will retry'));
      return next;
    },

    publish(opts = {}) {
      // One publication at a time per node; concurrent callers share it.
      if (publishing !== undefined && opts.force !== true) return publishing;
      const run = publishOnce(opts.force === true).finally(() => {
        if (publishing === run) publishing = undefined;
      });
      publishing = run;
      return run;
    },

    published: () => store.readPublished(),

    async anchor() {
      const { state } = await read();
      const keys = state.signingKeys.filter((k) => k.status !== 'retired').map((k) => ({ kid: k.kid, alg: k.alg, publicKey: k.publicKey }));
      return {
        format: 'tonle-configuration-anchor/1',
        instanceIdentifier: state.instanceIdentifier,
        generatedAt: new Date(clock.now()).toISOString(),
        sources: state.configurationUrls.map((address) => ({ address, verificationKeys: keys })),
      };
    },

    newSigningKey: (alg) => generateSigningKey({ alg, now: clock.now(), ...(options.signingKeyPin === undefined ? {} : { pin: options.signingKeyPin }) }),

    start() {
      if (timer !== undefined) return;
      // Re-sign well before expiry even if one tick fails (the validity is ten intervals by default).
      timer = setInterval(
        () => void registry.publish().catch((error: unknown) => options.log?.warn({ code: (error as { code?: string }).code }, 'periodic configuration publication failed')),
        Math.max(1000, Math.floor(interval / 2)),
      );
      timer.unref();
    },

    async stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      await publishing?.catch(() => undefined);
    },
  };
  return registry;
}
