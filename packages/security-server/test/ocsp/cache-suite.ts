// One suite for every OcspCache adapter (architecture §8).
import { describe, expect, it } from 'vitest';
import type { OcspCache } from '../../src/ocsp/index.ts';

export function ocspCacheSuite(name: string, make: () => Promise<{ cache: OcspCache; expire(ms: number): Promise<void> }>): void {
  describe(`OcspCache over ${name}`, () => {
    const entry = { response: new Uint8Array([0x30, 3, 1, 2, 3]), thisUpdate: 1000, nextUpdate: 5000, fetchedAt: 1200 };

    it('round-trips, overwrites and deletes entries', async () => {
      const { cache } = await make();
      expect(await cache.get('k')).toBeUndefined();
      await cache.set('k', entry, 60_000);
      expect(await cache.get('k')).toEqual(entry);
      const { nextUpdate: _n, ...noNext } = { ...entry, thisUpdate: 2000 };
      await cache.set('k', noNext, 60_000);
      expect(await cache.get('k')).toEqual(noNext);
      await cache.delete('k');
      expect(await cache.get('k')).toBeUndefined();
    });

    it('expires entries by themselves', async () => {
      const { cache, expire } = await make();
      await cache.set('short', entry, 200);
      await cache.set('long', entry, 600_000);
      await expire(250);
      expect(await cache.get('short')).toBeUndefined();
      expect(await cache.get('long')).toEqual(entry);
    });

    it('refuses a non-positive ttl', async () => {
      const { cache } = await make();
      await expect(cache.set('k', entry, 0)).rejects.toThrow(TypeError);
    });
  });
}
