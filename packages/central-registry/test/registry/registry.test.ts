import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addMember, addSubsystem } from '@tonle/central-registry';
import { registryFixture } from '../support/registry-fixture.ts';

let fx: Awaited<ReturnType<typeof registryFixture>>;
beforeEach(async () => {
  fx = await registryFixture();
});
afterEach(async () => {
  await fx.close();
});

describe('registry.change', () => {
  it('refuses a change that would make the configuration unpublishable and keeps the state as it was', async () => {
    const before = await fx.registry.state();
    const published = await fx.registry.publish();
    await expect(
      fx.registry.change({ id: 'test' }, 'bad', undefined, (s) => ({ ...s, members: [...s.members, { memberClass: 'NOPE', memberCode: 'x', name: 'x', subsystems: [] }] })),
    ).rejects.toMatchObject({ code: 'TONLE_ERR_REGISTRY_VALIDATION', status: 400 });
    expect(await fx.registry.state()).toEqual(before);
    expect((await fx.registry.published())?.version).toBe(published.version);
  });

  it('keeps every one of many concurrent changes and publishes a configuration containing all', async () => {
    await fx.registry.change({ id: 'test' }, 'member.add', undefined, (s) => addMember(s, { memberClass: 'GOV', memberCode: 'base', name: 'Base' }));
    await Promise.all(
      Array.from({ length: 15 }, (_, i) => fx.registry.change({ id: 'test' }, 'subsystem.add', undefined, (s) => addSubsystem(s, { memberClass: 'GOV', memberCode: 'base' }, `s${i}`))),
    );
    const state = await fx.registry.state();
    expect(state.members[0]!.subsystems).toHaveLength(15);
    const published = await fx.registry.publish();
    expect(published.jws.length).toBeGreaterThan(0);
    expect(published.stateRevision).toBe((await fx.registry.store.readState())!.revision);
  });

  it('refuses to revoke the last system-administrator key and to activate without a next key', async () => {
    const { revokeApiKey, activateNextSigningKey } = await import('@tonle/central-registry');
    const [only] = (await fx.registry.state()).apiKeys;
    await expect(fx.registry.change({ id: 'test' }, 'x', undefined, (s) => revokeApiKey(s, only!.id))).rejects.toMatchObject({ code: 'TONLE_ERR_REGISTRY_BAD_STATE' });
    await expect(fx.registry.change({ id: 'test' }, 'x', undefined, activateNextSigningKey)).rejects.toMatchObject({ code: 'TONLE_ERR_REGISTRY_BAD_STATE' });
  });

  it('re-signs on its own at least every interval', async () => {
    const { createRegistry, createMemoryAuditLog } = await import('@tonle/central-registry');
    const live = createRegistry({ store: fx.registry.store, clock: { now: () => Date.now() }, audit: createMemoryAuditLog(), regenerateIntervalMs: 1000 });
    const first = await live.publish();
    live.start();
    try {
      await expect.poll(async () => (await live.published())?.version, { timeout: 20_000, interval: 200 }).toBeGreaterThan(first.version);
    } finally {
      await live.stop();
    }
  });
});
