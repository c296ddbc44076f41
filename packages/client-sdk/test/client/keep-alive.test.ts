import { createClient } from '@tonle/client-sdk';
import { createMockSecurityServer, type MockSecurityServer } from '@tonle/client-sdk/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const CLIENT = 'EE/GOV/70000002/benefits';
const SERVICE = 'EE/GOV/70000001/population/persons';

let ss: MockSecurityServer;

beforeEach(async () => {
  ss = await createMockSecurityServer({ services: { [SERVICE]: (req) => ({ json: { path: req.path } }) } });
});

afterEach(async () => {
  await ss.close();
});

describe('keep-alive pooling', () => {
  it('reuses one connection for sequential calls, whichever helper reads the body', async () => {
    const client = createClient({ securityServer: ss.url, client: CLIENT });
    try {
      for (let i = 0; i < 20; i += 1) {
        const res = await client.call({ service: SERVICE, path: `/v1/${i}` });
        if (i % 3 === 0) await res.json();
        else if (i % 3 === 1) await res.text();
        else await res.dump();
      }
      await client.listClients();
      expect(ss.requests.length).toBe(21);
      // undici marks a connection idle a tick after the body ends, so a call made at once may open a
      // second one; without keep-alive this would be 21.
      expect(ss.connectionCount).toBeLessThanOrEqual(2);
    } finally {
      await client.close();
    }
  });

  it('opens at most `connections` connections under concurrency and reuses them', async () => {
    const client = createClient({ securityServer: ss.url, client: CLIENT, connections: 2 });
    try {
      for (let round = 0; round < 3; round += 1) {
        await Promise.all(Array.from({ length: 10 }, async (_, i) => (await client.call({ service: SERVICE, path: `/v1/${i}` })).json()));
      }
      expect(ss.requests.length).toBe(30);
      expect(ss.connectionCount).toBeLessThanOrEqual(2);
    } finally {
      await client.close();
    }
  });

  it('gives each client its own pool', async () => {
    const a = createClient({ securityServer: ss.url, client: CLIENT });
    const b = createClient({ securityServer: ss.url, client: CLIENT });
    try {
      await (await a.call({ service: SERVICE })).dump();
      await (await b.call({ service: SERVICE })).dump();
      await (await a.call({ service: SERVICE })).dump();
      await (await b.call({ service: SERVICE })).dump();
      expect(ss.connectionCount).toBeGreaterThanOrEqual(2);
      expect(ss.connectionCount).toBeLessThanOrEqual(4);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
