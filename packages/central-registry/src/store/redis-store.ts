import { Redis } from 'ioredis';
import { RegistryError } from '../errors/index.ts';
import type { PublishedConfiguration, RegistryStore, StoredState } from './types.ts';

// Compare-and-set in one script, so two registry nodes can never both win (Redis runs scripts atomically).
const WRITE_STATE = `
local cur = redis.call('HGET', KEYS[1], 'revision')
if (cur == false and ARGV[1] == '0') or cur == ARGV[1] then
  redis.call('HSET', KEYS[1], 'revision', tostring(tonumber(ARGV[1]) + 1), 'state', ARGV[2])
  return 1
end
return 0`;

const PUBLISH = `
local cur = redis.call('HGET', KEYS[1], 'version')
if cur == false or tonumber(cur) < tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'version', ARGV[1], 'doc', ARGV[2])
  return 1
end
return 0`;

/**
 * The shared store for several registry nodes (architecture §8). Keys live under `keyPrefix`
 * (default `tonle:registry:`). Fails with `TONLE_ERR_REGISTRY_STORE_UNAVAILABLE` when Redis is down,
 * never with a half-applied change.
 */
export async function createRedisStore(options: { url: string; keyPrefix?: string }): Promise<RegistryStore> {
  const prefix = options.keyPrefix ?? 'tonle:registry:';
  const redis = new Redis(options.url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true, connectTimeout: 5000 });
  redis.on('error', () => undefined); // surfaced per command below; without a listener ioredis logs to stderr
  const keys = { state: `${prefix}state`, published: `${prefix}published`, requestId: (id: string) => `${prefix}request-id:${id}` };

  const call = async <T>(what: string, task: () => Promise<T>): Promise<T> => {
    try {
      return await task();
    } catch (cause) {
      if (cause instanceof RegistryError) throw cause;
      throw new RegistryError('TONLE_ERR_REGISTRY_STORE_UNAVAILABLE', `Redis ${what} failed: ${(cause as Error).message}; check that Redis is reachable.`, { cause });
    }
  };
  await call('connect', () => redis.connect());

  return {
    readState: () =>
      call('read', async () => {
        const [revision, state] = await redis.hmget(keys.state, 'revision', 'state');
        if (revision === null || state === null || revision === undefined || state === undefined) return undefined;
        const parsed: StoredState = { revision: Number.parseInt(revision, 10), state };
        if (!Number.isSafeInteger(parsed.revision)) throw new RegistryError('TONLE_ERR_REGISTRY_STORE_CORRUPT', `Redis key ${keys.state} has a bad revision.`);
        return parsed;
      }),
    writeState: (expectedRevision, state) => call('write', async () => (await redis.eval(WRITE_STATE, 1, keys.state, String(expectedRevision), state)) === 1),
    readPublished: () =>
      call('read', async () => {
        const doc = await redis.hget(keys.published, 'doc');
        if (doc === null) return undefined;
        try {
          return JSON.parse(doc) as PublishedConfiguration;
        } catch (cause) {
          throw new RegistryError('TONLE_ERR_REGISTRY_STORE_CORRUPT', `Redis key ${keys.published} is not JSON.`, { cause });
        }
      }),
    publish: (conf) => call('publish', async () => (await redis.eval(PUBLISH, 1, keys.published, String(conf.version), JSON.stringify(conf))) === 1),
    claimRequestId: (requestId, expiresAtMs, nowMs) =>
      call('claim', async () => {
        const ttl = Math.max(1, Math.ceil(expiresAtMs - nowMs));
        return (await redis.set(keys.requestId(requestId), '1', 'PX', ttl, 'NX')) === 'OK';
      }),
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
