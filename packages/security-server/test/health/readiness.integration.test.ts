// Readiness follows the real global configuration: a real central registry publishes a signed configuration
// over a real socket, the security server's global-conf holder verifies it against the registry's anchor;
// when it expires readiness goes false and /metrics says so, and a refresh brings both back.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createFileAuditLog, createFileStore, createPublicApi, createRegistry, initializeRegistry, createAdminApi, GLOBAL_CONF_PATH, type Registry, type RegistryStore } from '@tonle/central-registry';
import type { ConfigurationAnchor } from '@tonle/protocol';
import { createGlobalConfHolder, type GlobalConfHolder } from '../../src/global-conf/index.ts';
import { createHealth, createMonitoringApp } from '../../src/health/index.ts';
import { createMetricsRegistry, createSecurityServerMetrics } from '../../src/metrics/index.ts';

let now = Date.now();
const clock = { now: () => now };
let dir: string;
let store: RegistryStore;
let registry: Registry;
let pub: FastifyInstance;
let audit: Awaited<ReturnType<typeof createFileAuditLog>>;
let holder: GlobalConfHolder;
let monitoring: FastifyInstance;
let monitoringUrl: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tonle-ready-'));
  store = await createFileStore({ dir: join(dir, 'registry') });
  audit = await createFileAuditLog({ path: join(dir, 'audit.jsonl') });
  const { apiKey } = await initializeRegistry({ store, clock, instanceIdentifier: 'EE', configurationUrls: ['http://127.0.0.1:1/globalconf'] });
  registry = createRegistry({ store, clock, audit });
  pub = createPublicApi({ registry });
  const publicAddress = await pub.listen({ port: 0, host: '127.0.0.1' });
  const admin = createAdminApi({ registry });
  const anchor = (await admin.inject({ method: 'GET', url: '/api/v1/configuration-anchor', headers: { authorization: `X-Road-ApiKey token=${apiKey}` } })).json() as ConfigurationAnchor;
  await admin.close();
  // The anchor names the registry's configured URL; this test's registry listens on a free port instead.
  holder = createGlobalConfHolder({ anchor, clock, fetch: (_url, init) => fetch(`${publicAddress}${GLOBAL_CONF_PATH}`, init) });
  const health = createHealth({ globalConf: () => holder.status() });
  const metricsRegistry = createMetricsRegistry();
  createSecurityServerMetrics({ registry: metricsRegistry, clock, sources: { globalConf: () => holder.status() } });
  monitoring = createMonitoringApp({ metrics: metricsRegistry, health });
  monitoringUrl = await monitoring.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  holder?.stop();
  await monitoring?.close();
  await pub?.close();
  await registry?.stop();
  await audit?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

async function readiness() {
  const res = await fetch(`${monitoringUrl}/health/ready`);
  const valid = parsePrometheusTextFormat(await (await fetch(`${monitoringUrl}/metrics`)).text()).find((f) => f.name === 'tonle_globalconf_valid')?.metrics[0]?.value;
  return { status: res.status, body: (await res.json()) as { checks: { name: string; ok: boolean; reason?: string }[] }, valid };
}

describe('readiness follows the global configuration', () => {
  it('is false before the first download, true after, false when expired, true again after a refresh', async () => {
    let r = await readiness();
    expect(r.status).toBe(503);
    expect(r.body.checks[0]).toMatchObject({ name: 'globalconf', ok: false, reason: 'GLOBALCONF_UNAVAILABLE' });

    await holder.refreshNow();
    r = await readiness();
    expect(r).toMatchObject({ status: 200, valid: '1' });

    now += 3_600_000; // far past the registry's configuration validity
    r = await readiness();
    expect(r.status).toBe(503);
    expect(r.body.checks[0]).toMatchObject({ ok: false, reason: 'GLOBALCONF_EXPIRED' });
    expect(r.valid).toBe('0');

    await holder.refreshNow(); // the registry publishes a fresh one (its clock moved too)
    r = await readiness();
    expect(r).toMatchObject({ status: 200, valid: '1' });
  });
});
