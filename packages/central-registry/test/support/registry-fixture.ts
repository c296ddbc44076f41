import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdminApi, createFileAuditLog, createFileStore, createPublicApi, createRegistry, initializeRegistry, type Registry, type RegistryStore } from '@tonle/central-registry';

/** A registry on a temporary file store with its two listeners as fastify instances (inject or listen). */
export async function registryFixture(options: { realTime?: boolean; autoApprove?: boolean; instance?: string } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'tonle-registry-'));
  // A fixed instant by default; real time plus an offset when certificates from a live test PKI are used.
  let offset = 0;
  const fixed = Date.parse('2026-03-01T10:00:00.000Z');
  const clock = { now: () => (options.realTime === true ? Date.now() : fixed) + offset };
  const store: RegistryStore = await createFileStore({ dir: join(dir, 'data') });
  const auditPath = join(dir, 'audit.jsonl');
  const audit = await createFileAuditLog({ path: auditPath });
  const { apiKey } = await initializeRegistry({
    store,
    clock,
    instanceIdentifier: options.instance ?? 'TEST',
    configurationUrls: ['http://127.0.0.1:1/globalconf'],
    ...(options.autoApprove === true ? { settings: { autoApprove: { authCertReg: true, clientReg: true } } } : {}),
  });
  const registry: Registry = createRegistry({ store, clock, audit });
  const admin = createAdminApi({ registry });
  const pub = createPublicApi({ registry });
  return {
    dir,
    auditPath,
    apiKey,
    registry,
    admin,
    pub,
    clock,
    advance: (ms: number) => void (offset += ms),
    auth: (key = apiKey) => ({ authorization: `X-Road-ApiKey token=${key}` }),
    async close() {
      await admin.close();
      await pub.close();
      await registry.stop();
      await audit.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
