import type { Redis } from 'ioredis';
import type { Clock } from '@tonle/protocol';
import { OcspError } from './errors.ts';

/** A stored OCSP response for one of this server's own certificates. */
export interface CachedOcspResponse {
  /** DER OCSPResponse as received from the responder. */
  readonly response: Uint8Array;
  readonly thisUpdate: number;
  readonly nextUpdate?: number;
  readonly fetchedAt: number;
}

/**
 * Where own-certificate OCSP responses are kept: memory (one node) or Redis (shared by a cluster's nodes, so a
 * response fetched by one node is stapled by all). Entries expire by themselves after `ttlMs`.
 */
export interface OcspCache {
  get(key: string): Promise<CachedOcspResponse | undefined>;
  set(key: string, entry: CachedOcspResponse, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
}

function checkTtl(ttlMs: number): void {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new TypeError('OcspCache.set: ttlMs must be a positive number');
}

export function createMemoryOcspCache({ clock, maxEntries = 10_000 }: { clock: Clock; maxEntries?: number }): OcspCache {
  const entries = new Map<string, { entry: CachedOcspResponse; expiresAt: number }>();
  return {
    async get(key) {
      const hit = entries.get(key);
      if (hit === undefined) return undefined;
      if (clock.now() >= hit.expiresAt) {
        entries.delete(key);
        return undefined;
      }
      return hit.entry;
    },
    async set(key, entry, ttlMs) {
      checkTtl(ttlMs);
      if (!entries.has(key) && entries.size >= maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done !== true) entries.delete(oldest.value);
      }
      entries.set(key, { entry: { ...entry, response: new Uint8Array(entry.response) }, expiresAt: clock.now() + ttlMs });
    },
    async delete(key) {
      entries.delete(key);
    },
  };
}

interface Stored {
  r: string;
  t: number;
  n?: number;
  f: number;
}

function cacheFailed(cause: unknown): OcspError {
  return new OcspError('TONLE_ERR_OCSP_CACHE_FAILED', 'The OCSP cache in Redis is unreachable or holds bad data.', { cause });
}

export function createRedisOcspCache({ redis, prefix = 'tonle:ocsp:' }: { redis: Redis; prefix?: string }): OcspCache {
  if (redis === undefined || redis === null) throw new TypeError('createRedisOcspCache({ redis }): redis is required');
  return {
    async get(key) {
      let text: string | null;
      try {
        text = await redis.get(prefix + key);
      } catch (e) {
        throw cacheFailed(e);
      }
      if (text === null) return undefined;
      try {
        const s = JSON.parse(text) as Stored;
        if (typeof s.r !== 'string' || typeof s.t !== 'number' || typeof s.f !== 'number') throw new Error('bad entry');
        return {
          response: new Uint8Array(Buffer.from(s.r, 'base64')),
          thisUpdate: s.t,
          ...(typeof s.n === 'number' ? { nextUpdate: s.n } : {}),
          fetchedAt: s.f,
        };
      } catch {
        // A bad entry is a miss: the response is fetched again.
        return undefined;
      }
    },
    async set(key, entry, ttlMs) {
      checkTtl(ttlMs);
      const s: Stored = {
        r: Buffer.from(entry.response).toString('base64'),
        t: entry.thisUpdate,
        ...(entry.nextUpdate === undefined ? {} : { n: entry.nextUpdate }),
        f: entry.fetchedAt,
      };
      try {
        await redis.set(prefix + key, JSON.stringify(s), 'PX', Math.ceil(ttlMs));
      } catch (e) {
        throw cacheFailed(e);
      }
    },
    async delete(key) {
      try {
        await redis.del(prefix + key);
      } catch (e) {
        throw cacheFailed(e);
      }
    },
  };
}
