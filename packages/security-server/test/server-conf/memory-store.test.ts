import { createMemoryServerConfStore } from '../../src/server-conf/index.ts';
import { serverConfStoreSuite } from './server-conf-suite.ts';

serverConfStoreSuite('the memory store', async () => createMemoryServerConfStore());
