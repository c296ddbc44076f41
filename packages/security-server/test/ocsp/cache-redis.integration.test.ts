import { afterAll, beforeAll } from 'vitest';
import { createRedisOcspCache } from '../../src/ocsp/index.ts';
import { startRedisServer, type RedisServer } from '../server-conf/redis-server.ts';
import { ocspCacheSuite } from './cache-suite.ts';

let redis: RedisServer;
let n = 0;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

ocspCacheSuite('Redis (real redis-server)', async () => ({
  cache: createRedisOcspCache({ redis: redis.client(), prefix: `tonle:test:ocsp:${++n}:` }),
  // Redis expires keys on its own clock: wait a little longer than asked.
  expire: (ms) => new Promise((r) => setTimeout(r, ms + 100)),
}));
