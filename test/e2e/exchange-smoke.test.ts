import { afterAll, beforeAll, expect, it } from 'vitest';
import { call } from './support/http.ts';
import { startNetwork, type Network } from './support/network.ts';

let net: Network;
beforeAll(async () => {
  net = await startNetwork();
}, 120_000);
afterAll(async () => net?.close());

it('GET through two security servers', async () => {
  const res = await call(`${net.url}/r1/EE/GOV/2222/provider/echo/v1/items?x=1`, { headers: [['x-road-client', 'EE/GOV/1111/consumer']] });
  console.log(res.status, res.headers, res.body.toString());
  console.log(net.a.logLines.join(''), net.b.logLines.join(''));
  expect(res.status).toBe(200);
});
