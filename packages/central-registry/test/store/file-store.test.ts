import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileStore } from '@tonle/central-registry';
import { describeStoreContract } from './store-contract.ts';

describeStoreContract('file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tonle-registry-store-'));
  return { store: await createFileStore({ dir }), reopen: () => createFileStore({ dir }), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

describe('file store', () => {
  it('refuses a directory another live store holds, and a corrupt state file with a code', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tonle-registry-store-'));
    const store = await createFileStore({ dir });
    await expect(createFileStore({ dir })).rejects.toMatchObject({ code: 'TONLE_ERR_REGISTRY_STORE_UNAVAILABLE' });
    await store.close();
    await writeFile(join(dir, 'state.json'), '{"revision":1,"sta');
    const reopened = await createFileStore({ dir });
    await expect(reopened.readState()).rejects.toMatchObject({ code: 'TONLE_ERR_REGISTRY_STORE_CORRUPT' });
    await reopened.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('takes over the lock of a process that no longer exists', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tonle-registry-store-'));
    await writeFile(join(dir, 'registry.lock'), '999999999');
    const store = await createFileStore({ dir });
    expect(await store.writeState(0, 'ok')).toBe(true);
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
});
