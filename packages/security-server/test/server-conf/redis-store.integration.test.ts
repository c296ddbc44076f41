import { memberId } from '@tonle/protocol';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisOcspCache } from '../../src/ocsp/index.ts';
import { createRedisServerConfStore, createServerConf } from '../../src/server-conf/index.ts';
import { startRedisServer, type RedisServer } from './redis-server.ts';
import { serverConfStoreSuite } from './server-conf-suite.ts';

let redis: RedisServer;
let n = 0;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

// Each test gets its own key; two ioredis clients share it, like two cluster nodes.
serverConfStoreSuite('the Redis store (real redis-server)', async () => {
  const key = `tonle:test:server-conf:${++n}`;
  const a = createRedisServerConfStore({ redis: redis.client(), key });
  const b = createRedisServerConfStore({ redis: redis.client(), key });
  let i = 0;
  return {
    read: () => (i++ % 2 === 0 ? a : b).read(),
    compareAndSet: (v, next) => (i++ % 2 === 0 ? a : b).compareAndSet(v, next),
    close: async () => {},
  };
});

describe('Redis unreachable', () => {
  it('reports TONLE_ERR_SERVERCONF_STORE_FAILED / TONLE_ERR_OCSP_CACHE_FAILED instead of hanging', async () => {
    const dead = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    dead.on('error', () => undefined);
    try {
      const conf = createServerConf({ store: createRedisServerConfStore({ redis: dead }) });
      await expect(conf.reload()).rejects.toMatchObject({ code: 'TONLE_ERR_SERVERCONF_STORE_FAILED' });
      await expect(conf.initialize({ owner: memberId('EE', 'GOV', '1'), serverCode: 'ss' })).rejects.toMatchObject({
        code: 'TONLE_ERR_SERVERCONF_STORE_FAILED',
      });
      const cache = createRedisOcspCache({ redis: dead });
      await expect(cache.get('k')).rejects.toMatchObject({ code: 'TONLE_ERR_OCSP_CACHE_FAILED' });
    } finally {
      dead.disconnect();
    }
  });
});
