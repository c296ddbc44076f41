import type { Clock } from '../clock/index.ts';
import { GlobalConfError } from './errors.ts';
import type { ConfigurationAnchor, GlobalConfTrust, VerificationKey, VerifiedGlobalConfiguration } from './types.ts';
import { trustAfter, trustFromAnchor, verifyGlobalConfiguration } from './verify.ts';

/** The part of a fetch `Response` the client reads (so it runs on Node, browsers, Deno and test fakes). */
export interface GlobalConfFetchResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/** The part of `fetch` the client calls. */
export type GlobalConfFetch = (url: string, init: { method: 'GET'; headers: Record<string, string> }) => Promise<GlobalConfFetchResponse>;

/** What the client persists between restarts. */
export interface CachedGlobalConf {
  readonly jws: string;
  readonly etag?: string;
  /** The keys that were trusted when `jws` was accepted, so a cache written after a key rotation reloads. */
  readonly trustedKeys: readonly VerificationKey[];
}

/** Where the last good configuration is kept (a file on a security server, memory in tests). */
export interface GlobalConfCache {
  load(): Promise<CachedGlobalConf | undefined>;
  save(entry: CachedGlobalConf): Promise<void>;
}

/** Options of {@link createGlobalConfClient}. */
export interface GlobalConfClientOptions {
  readonly anchor: ConfigurationAnchor;
  readonly clock: Clock;
  /** Defaults to `globalThis.fetch`. Put timeouts into it (xroad-digest §4.6: connect 10 s, read 30 s). */
  readonly fetch?: GlobalConfFetch;
  readonly cache?: GlobalConfCache;
}

/** Result of one {@link GlobalConfClient.refresh}. */
export interface GlobalConfRefresh {
  readonly outcome: 'updated' | 'not-modified';
  readonly configuration: VerifiedGlobalConfiguration;
  readonly source: string;
}

/** Downloads, verifies and keeps the last good global configuration. */
export interface GlobalConfClient {
  /** Loads the cache (if any); call once before the first `refresh`. A bad cache is ignored, not fatal. */
  start(): Promise<void>;
  /**
   * Downloads from each known source in turn (conditional GET with the last ETag) until one yields a
   * configuration that verifies. On failure the last good configuration stays in place.
   * @throws GlobalConfError `TONLE_ERR_GCONF_DOWNLOAD_FAILED` with the per-source errors as `cause`.
   */
  refresh(): Promise<GlobalConfRefresh>;
  /** The last good configuration if it has not expired. @throws GlobalConfError `..._UNAVAILABLE` or `..._EXPIRED`. */
  current(): VerifiedGlobalConfiguration;
  /** The last good configuration, expired or not. */
  lastGood(): VerifiedGlobalConfiguration | undefined;
  /** What the next download is verified against. */
  trust(): GlobalConfTrust;
}

/**
 * Creates a runtime-neutral global configuration client. Trust starts at the anchor; after each accepted
 * configuration it moves to the keys that configuration announces (so a rotated key is followed without
 * a new anchor, and a retired one is refused) and the version floor rises (no rollback).
 *
 * @example
 * ```ts
 * const client = createGlobalConfClient({ anchor, clock: systemClock, cache: fileCache });
 * await client.start();
 * await client.refresh();
 * const servers = client.current().document.securityServers;
 * ```
 */
export function createGlobalConfClient(options: GlobalConfClientOptions): GlobalConfClient {
  const { anchor, clock, cache } = options;
  const fetchImpl = options.fetch ?? defaultFetch();
  let good: VerifiedGlobalConfiguration | undefined;
  let goodTrust: GlobalConfTrust = trustFromAnchor(anchor);
  const etags = new Map<string, string>();

  const trust = (): GlobalConfTrust => (good === undefined ? trustFromAnchor(anchor) : trustAfter(good));

  const sources = (): string[] => {
    const fromConf = good?.document.sources.map((s) => s.address) ?? [];
    return [...new Set([...fromConf, ...anchor.sources.map((s) => s.address)])];
  };

  async function accept(conf: VerifiedGlobalConfiguration, verifiedWith: GlobalConfTrust, etag: string | undefined): Promise<void> {
    good = conf;
    goodTrust = verifiedWith;
    if (cache !== undefined) {
      await cache.save({ jws: conf.jws, ...(etag === undefined ? {} : { etag }), trustedKeys: goodTrust.keys });
    }
  }

  return {
    async start() {
      if (cache === undefined) return;
      const entry = await cache.load();
      if (entry === undefined) return;
      const anchorTrust = trustFromAnchor(anchor);
      const cachedTrust: GlobalConfTrust = {
        instanceIdentifier: anchor.instanceIdentifier,
        keys: [...entry.trustedKeys, ...anchorTrust.keys.filter((k) => !entry.trustedKeys.some((c) => c.kid === k.kid))],
      };
      try {
        const conf = await verifyGlobalConfiguration(entry.jws, cachedTrust, { clock, allowExpired: true });
        good = conf;
        goodTrust = cachedTrust;
        const source = conf.document.sources[0]?.address;
        if (entry.etag !== undefined && source !== undefined) etags.set(source, entry.etag);
      } catch {
        // A corrupt or foreign cache must not stop the client: it starts from the anchor instead.
        good = undefined;
      }
    },

    async refresh() {
      const failures: unknown[] = [];
      for (const source of sources()) {
        try {
          const etag = etags.get(source);
          const response = await fetchImpl(source, { method: 'GET', headers: etag === undefined ? {} : { 'if-none-match': etag } });
          if (response.status === 304 && good !== undefined) {
            if (clock.now() >= good.expiresAtMs) {
              throw new GlobalConfError('TONLE_ERR_GCONF_EXPIRED', `Source ${source} still serves the configuration that expired at ${good.document.expiresAt}.`);
            }
            return { outcome: 'not-modified', configuration: good, source };
          }
          if (response.status !== 200) {
            throw new GlobalConfError('TONLE_ERR_GCONF_DOWNLOAD_FAILED', `Source ${source} answered HTTP ${response.status}.`);
          }
          const body = await response.text();
          const verifiedWith = trust();
          const conf = await verifyGlobalConfiguration(body, verifiedWith, { clock });
          const newEtag = response.headers.get('etag') ?? undefined;
          if (newEtag === undefined) etags.delete(source);
          else etags.set(source, newEtag);
          await accept(conf, verifiedWith, newEtag);
          return { outcome: 'updated', configuration: conf, source };
        } catch (error) {
          failures.push(error);
        }
      }
      const first = failures.find((f): f is GlobalConfError => f instanceof GlobalConfError && f.code !== 'TONLE_ERR_GCONF_DOWNLOAD_FAILED');
      throw new GlobalConfError(
        'TONLE_ERR_GCONF_DOWNLOAD_FAILED',
        `No configuration source gave a valid configuration${first === undefined ? '' : ` (${first.code}: ${first.message})`}; keeping the last good one.`,
        { cause: failures.length === 1 ? failures[0] : failures },
      );
    },

    current() {
      if (good === undefined) {
        throw new GlobalConfError('TONLE_ERR_GCONF_UNAVAILABLE', 'No global configuration has been downloaded yet; check the anchor and the registry address.');
      }
      if (clock.now() >= good.expiresAtMs) {
        throw new GlobalConfError('TONLE_ERR_GCONF_EXPIRED', `The last good configuration expired at ${good.document.expiresAt}; the registry is unreachable or serves stale data.`);
      }
      return good;
    },

    lastGood: () => good,
    trust,
  };
}

function defaultFetch(): GlobalConfFetch {
  const global = globalThis as { fetch?: GlobalConfFetch };
  const f = global.fetch;
  if (f === undefined) throw new TypeError('createGlobalConfClient: no global fetch in this runtime; pass options.fetch');
  return (url, init) => f(url, init);
}
