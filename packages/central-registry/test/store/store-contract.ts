import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RegistryStore } from '@tonle/central-registry';

/** One suite for every RegistryStore (architecture §8): the file store and the Redis store both pass it. */
export function describeStoreContract(name: string, open: () => Promise<{ store: RegistryStore; reopen(): Promise<RegistryStore>; cleanup(): Promise<void> }>): void {
  describe(`RegistryStore contract: ${name}`, () => {
    let ctx: Awaited<ReturnType<typeof open>>;
    let store: RegistryStore;
    beforeEach(async () => {
      ctx = await open();
      store = ctx.store;
    });
    afterEach(async () => {
      await store.close();
      await ctx.cleanup();
    });

    it('starts empty and writes state by compare-and-set', async () => {
      expect(await store.readState()).toBeUndefined();
      expect(await store.writeState(1, 'x')).toBe(false);
      expect(await store.writeState(0, '{"a":1}')).toBe(true);
      expect(await store.readState()).toEqual({ revision: 1, state: '{"a":1}' });
      expect(await store.writeState(0, '{"a":2}')).toBe(false);
      expect(await store.writeState(1, '{"a":2}')).toBe(true);
      expect(await store.readState()).toEqual({ revision: 2, state: '{"a":2}' });
    });

    it('loses no update when many writers race', async () => {
      await store.writeState(0, '0');
      const increment = async (): Promise<void> => {
        for (;;) {
          const current = (await store.readState())!;
          if (await store.writeState(current.revision, String(Number(current.state) + 1))) return;
        }
      };
      await Promise.all(Array.from({ length: 20 }, increment));
      expect(await store.readState()).toEqual({ revision: 21, state: '20' });
    });

    it('publishes only increasing versions', async () => {
      const conf = (version: number) => ({ version, jws: `jws-${version}`, etag: `"${version}"`, generatedAtMs: 1, expiresAtMs: 2, stateRevision: 1 });
      expect(await store.readPublished()).toBeUndefined();
      expect(await store.publish(conf(2))).toBe(true);
      expect(await store.publish(conf(2))).toBe(false);
      expect(await store.publish(conf(1))).toBe(false);
      expect(await store.publish(conf(3))).toBe(true);
      expect(await store.readPublished()).toEqual(conf(3));
    });

    it('remembers request ids until they expire', async () => {
      expect(await store.claimRequestId('r1', 10_000, 1_000)).toBe(true);
      expect(await store.claimRequestId('r1', 10_000, 1_000)).toBe(false);
      expect(await store.claimRequestId('r2', 10_000, 1_000)).toBe(true);
      const [a, b] = await Promise.all([store.claimRequestId('r3', 10_000, 1_000), store.claimRequestId('r3', 10_000, 1_000)]);
      expect([a, b].sort()).toEqual([false, true]);
    });

    it('keeps everything across close and reopen', async () => {
      await store.writeState(0, 'persisted');
      await store.publish({ version: 7, jws: 'j', etag: '"e"', generatedAtMs: 1, expiresAtMs: 2, stateRevision: 1 });
      await store.close();
      store = await ctx.reopen();
      expect(await store.readState()).toEqual({ revision: 1, state: 'persisted' });
      expect((await store.readPublished())?.version).toBe(7);
    });
  });
}
