import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStore } from '@tonle/central-registry';
import { startRedis } from '../support/redis-server.ts';
import { describeStoreContract } from './store-contract.ts';

let redis: Awaited<ReturnType<typeof startRedis>>;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

let n = 0;
describeStoreContract('redis', async () => {
  const keyPrefix = `test${(n += 1)}:`;
  return { store: await createRedisStore({ url: redis.url, keyPrefix }), reopen: () => createRedisStore({ url: redis.url, keyPrefix }), cleanup: async () => undefined };
});

describe('redis store', () => {
  it('fails with STORE_UNAVAILABLE when Redis is not there', async () => {
    await expect(createRedisStore({ url: 'redis://127.0.0.1:1' })).rejects.toMatchObject({ code: 'TONLE_ERR_REGISTRY_STORE_UNAVAILABLE' });
  });
});
