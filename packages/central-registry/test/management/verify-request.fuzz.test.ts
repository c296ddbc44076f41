import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryError, verifyManagementRequest } from '@tonle/central-registry';
import { generateKeyPair, issueCertificate } from '@tonle/pki';
import { registryFixture } from '../support/registry-fixture.ts';

let fx: Awaited<ReturnType<typeof registryFixture>>;
beforeAll(async () => {
  fx = await registryFixture();
  // An approved CA, so arbitrary x5c entries reach certificate parsing and path validation.
  const keys = await generateKeyPair('P-256');
  const ca = await issueCertificate({
    publicKey: keys.publicKey,
    signingKey: keys.privateKey,
    subject: [{ type: 'CN', value: 'Fuzz CA' }],
    notBefore: Date.parse('2026-01-01T00:00:00Z'),
    notAfter: Date.parse('2027-01-01T00:00:00Z'),
    basicConstraints: { ca: true },
    keyUsage: ['keyCertSign'],
  });
  const res = await fx.admin.inject({ method: 'POST', url: '/api/v1/certification-services', headers: fx.auth(), payload: { name: 'Fuzz CA', certificateProfile: 'ejbca', topCertificate: Buffer.from(ca).toString('base64') } });
  expect(res.statusCode).toBe(201);
});
afterAll(async () => {
  await fx.close();
});

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('verifyManagementRequest on arbitrary input', () => {
  it('refuses with a RegistryError, never a crash', async () => {
    const state = await fx.registry.state();
    const jwsLike = fc.oneof(
      fc.string(),
      fc.tuple(fc.jsonValue(), fc.jsonValue(), fc.string()).map(([h, p, s]) => `${b64url(h)}.${b64url(p)}.${Buffer.from(s).toString('base64url')}`),
      fc.tuple(fc.array(fc.base64String(), { maxLength: 3 }), fc.jsonValue()).map(([x5c, p]) => `${b64url({ alg: 'ES256', x5c })}.${b64url(p)}.AAAA`),
    );
    await fc.assert(
      fc.asyncProperty(jwsLike, fc.base64String(), fc.option(jwsLike, { nil: undefined }), async (request, ocspResponse, authSignature) => {
        const error = await verifyManagementRequest({ request, ocspResponse, ...(authSignature === undefined ? {} : { authSignature }) }, state, fx.clock.now()).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RegistryError);
        expect((error as RegistryError).status).toBeGreaterThanOrEqual(400);
        expect((error as RegistryError).status).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
  });
});
