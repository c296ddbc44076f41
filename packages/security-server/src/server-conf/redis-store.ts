import type { Redis } from 'ioredis';
import { ServerConfError } from './errors.ts';
import type { ServerConfStore } from './store.ts';

// Atomic compare-and-set in one round trip: Redis runs scripts without interleaving other commands.
const CAS_SCRIPT = `
local current = redis.call('HGET', KEYS[1], 'version')
if (current == false and ARGV[1] == '0') or current == ARGV[1] then
  redis.call('HSET', KEYS[1], 'version', ARGV[2], 'doc', ARGV[3])
  return 1
end
return 0`;

function storeFailed(action: string, cause: unknown): ServerConfError {
  return new ServerConfError(
    'TONLE_ERR_SERVERCONF_STORE_FAILED',
    `Could not ${action} the server configuration in Redis; check that Redis is reachable.`,
    { cause },
  );
}

/**
 * The cluster store: all nodes of one security server share the document under `key` (a hash with `version` and
 * `doc`). The caller owns the ioredis client and closes it.
 */
export function createRedisServerConfStore({ redis, key = 'tonle:server-conf' }: { redis: Redis; key?: string }): ServerConfStore {
  if (redis === undefined || redis === null) throw new TypeError('createRedisServerConfStore({ redis }): redis is required');
  return {
    async read() {
      let text: string | null;
      try {
        text = await redis.hget(key, 'doc');
      } catch (e) {
        throw storeFailed('read', e);
      }
      if (text === null) return undefined;
      try {
        return JSON.parse(text) as unknown;
      } catch (e) {
        throw new ServerConfError('TONLE_ERR_SERVERCONF_CORRUPT', `Redis key ${key} does not hold valid JSON.`, { cause: e });
      }
    },
    async compareAndSet(expectedVersion, next) {
      try {
        const result = await redis.eval(CAS_SCRIPT, 1, key, String(expectedVersion), String(next.version), JSON.stringify(next));
        return result === 1;
      } catch (e) {
        throw storeFailed('write', e);
      }
    },
    async close() {},
  };
}
