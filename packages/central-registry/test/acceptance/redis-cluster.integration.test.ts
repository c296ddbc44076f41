import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStore, initializeRegistry } from '@tonle/central-registry';
import { parseConfigurationAnchor, systemClock, verifyGlobalConfiguration } from '@tonle/protocol';
import { freePort, startRedis } from '../support/redis-server.ts';
import { startRegistryProcess } from '../support/registry-process.ts';

let redis: Awaited<ReturnType<typeof startRedis>>;
let dir: string;
let apiKey: string;
const nodes: Awaited<ReturnType<typeof startRegistryProcess>>[] = [];

async function startNode(name: string) {
  const node = await startRegistryProcess(
    dir,
    {
      store: { type: 'redis', url: redis.url, keyPrefix: 'cluster:' },
      admin: { host: '127.0.0.1', port: 0 },
      public: { host: '127.0.0.1', port: 0 },
      auditLog: `./${name}-audit.jsonl`,
    },
    `${name}.json`,
  );
  nodes.push(node);
  return node;
}

const call = async (base: string, method: string, path: string, body?: unknown) => {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { authorization: `X-Road-ApiKey token=${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: await res.text() };
};

beforeAll(async () => {
  redis = await startRedis();
  dir = await mkdtemp(join(tmpdir(), 'tonle-registry-cluster-'));
  const store = await createRedisStore({ url: redis.url, keyPrefix: 'cluster:' });
  ({ apiKey } = await initializeRegistry({ store, clock: systemClock, instanceIdentifier: 'EE', configurationUrls: [`http://127.0.0.1:${await freePort()}/globalconf`] }));
  await store.close();
}, 60_000);

afterAll(async () => {
  for (const node of nodes) await node.crash();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('two registry nodes on one Redis', () => {
  it('serve the same configuration, and killing one loses nothing', async () => {
    const a = await startNode('a');
    const b = await startNode('b');
    // Concurrent changes through both nodes: compare-and-set in Redis keeps every one.
    const adds = Array.from({ length: 12 }, (_, i) => call(i % 2 === 0 ? a.adminUrl : b.adminUrl, 'POST', '/members', { memberClass: 'GOV', memberCode: `m${i}`, name: `Member ${i}` }));
    expect((await Promise.all(adds)).map((r) => r.status)).toEqual(Array(12).fill(201));
    const fromA = await fetch(`${a.publicUrl}/globalconf`);
    const fromB = await fetch(`${b.publicUrl}/globalconf`);
    const [bodyA, bodyB] = [await fromA.text(), await fromB.text()];
    expect(bodyB).toBe(bodyA);
    expect(fromB.headers.get('etag')).toBe(fromA.headers.get('etag'));
    const anchor = parseConfigurationAnchor((await call(b.adminUrl, 'GET', '/configuration-anchor')).body);
    const conf = await verifyGlobalConfiguration(bodyA, anchor, { clock: systemClock });
    expect(conf.document.members).toHaveLength(12);

    await a.crash();
    expect((await call(b.adminUrl, 'POST', '/members', { memberClass: 'GOV', memberCode: 'after', name: 'After the crash' })).status).toBe(201);
    const afterCrash = await verifyGlobalConfiguration(await (await fetch(`${b.publicUrl}/globalconf`)).text(), anchor, { clock: systemClock });
    expect(afterCrash.document.members.map((m) => m.memberCode).sort()).toEqual([...Array.from({ length: 12 }, (_, i) => `m${i}`), 'after'].sort());
    expect(afterCrash.document.version).toBeGreaterThan(conf.document.version);

    const a2 = await startNode('a2');
    const again = await fetch(`${a2.publicUrl}/globalconf`);
    expect(await again.text()).toBe(await (await fetch(`${b.publicUrl}/globalconf`)).text());
  });
});
