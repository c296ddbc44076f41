import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileStore, createMemoryAuditLog, createRegistry, initializeRegistry } from '@tonle/central-registry';
import { pemLabels } from '@tonle/pki';
import { verifyGlobalConfiguration } from '@tonle/protocol';

describe('configuration signing keys with a PIN', () => {
  it('are stored encrypted, sign with the PIN, and cannot be used without it or with a wrong one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tonle-registry-pin-'));
    const clock = { now: () => Date.parse('2026-03-01T10:00:00Z') };
    const store = await createFileStore({ dir });
    try {
      await initializeRegistry({ store, clock, instanceIdentifier: 'EE', configurationUrls: ['http://127.0.0.1:1/globalconf'], signingKeyPin: 'correct horse' });
      const text = await readFile(join(dir, 'state.json'), 'utf8');
      expect(pemLabels(text)).toContain('ENCRYPTED PRIVATE KEY');
      expect(pemLabels(text)).not.toContain('PRIVATE KEY');

      const good = createRegistry({ store, clock, audit: createMemoryAuditLog(), signingKeyPin: 'correct horse' });
      const published = await good.publish();
      await expect(verifyGlobalConfiguration(published.jws, await good.anchor(), { clock })).resolves.toBeDefined();
      const announced = await good.newSigningKey('EdDSA');
      expect(pemLabels(announced.privateKeyPem)).toEqual(['ENCRYPTED PRIVATE KEY']);

      for (const pin of [undefined, 'wrong']) {
        const locked = createRegistry({ store, clock, audit: createMemoryAuditLog(), ...(pin === undefined ? {} : { signingKeyPin: pin }) });
        await expect(locked.publish({ force: true })).rejects.toMatchObject({ code: 'TONLE_ERR_REGISTRY_SIGNING_KEY_UNAVAILABLE', status: 503 });
      }
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
