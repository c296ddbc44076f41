import { createMemoryOcspCache } from '../../src/ocsp/index.ts';
import { ocspCacheSuite } from './cache-suite.ts';

ocspCacheSuite('memory', async () => {
  let t = 0;
  const cache = createMemoryOcspCache({ clock: { now: () => t } });
  return { cache, expire: async (ms) => void (t += ms) };
});
