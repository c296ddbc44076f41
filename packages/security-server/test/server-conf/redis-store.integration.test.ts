import { afterAll, beforeAll } from 'vitest';
import { createRedisServerConfStore } from '../../src/server-conf/index.ts';
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
