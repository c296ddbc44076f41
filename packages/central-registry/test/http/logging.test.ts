import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createAdminApi, createPublicApi } from '@tonle/central-registry';
import { registryFixture } from '../support/registry-fixture.ts';

describe('registry logs', () => {
  it('never contain API keys, the Authorization header, request bodies or signing keys', async () => {
    const fx = await registryFixture();
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) });
    const logger = pino({ level: 'trace' }, sink);
    const admin = createAdminApi({ registry: fx.registry, logger });
    const pub = createPublicApi({ registry: fx.registry, logger });
    try {
      const created = await admin.inject({ method: 'POST', url: '/api/v1/api-keys', headers: fx.auth(), payload: { name: 'secret-holder', roles: ['observer'] } });
      const newKey = created.json().key as string;
      await admin.inject({ method: 'POST', url: '/api/v1/members', headers: fx.auth(newKey), payload: { memberClass: 'GOV', memberCode: '1', name: 'body-marker-123' } });
      await admin.inject({ method: 'POST', url: '/api/v1/signing-keys', headers: fx.auth(), payload: {} });
      await pub.inject({ method: 'GET', url: '/globalconf' });
      await pub.inject({ method: 'POST', url: '/managementservice', payload: { request: 'a.b.c', ocspResponse: 'body-marker-456' } });
      const text = lines.join('');
      expect(lines.length).toBeGreaterThan(0);
      for (const secret of [fx.apiKey, newKey, 'body-marker-123', 'body-marker-456', 'X-Road-ApiKey', '"d":']) expect(text).not.toContain(secret);
      const state = await fx.registry.state();
      expect(text).not.toContain('PRIVATE KEY');
      for (const k of state.signingKeys) if (k.privateKeyPem !== '') expect(text).not.toContain(k.privateKeyPem.split('\n')[1]);
    } finally {
      await admin.close();
      await pub.close();
      await fx.close();
    }
  });
});
