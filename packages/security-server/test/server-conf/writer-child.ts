// Child process for file-store.test.ts: adds endpoints /<tag>0 .. /<tag>N-1 to the service, concurrently.
import { serviceId } from '@tonle/protocol';
import { createFileServerConfStore, createServerConf } from '../../src/server-conf/index.ts';

const [path, tag, count] = process.argv.slice(2) as [string, string, string];
const conf = createServerConf({ store: createFileServerConfStore({ path }) });
const pets = serviceId('EE', 'GOV', '1234', 'prov', 'pets');
await Promise.all(Array.from({ length: Number(count) }, (_, i) => conf.addEndpoint(pets, { method: 'GET', path: `/${tag}${i}` })));
