import { describe, expect, it } from 'vitest';
import { buildTimeStampRequest, parseTimeStampResponse, verifyTimeStampToken } from '@tonle/pki';
import { createFileSerialCounter, createTimeStampAuthority, createTsaServer, loadTsaConfig, stateLayout } from '@tonle/trust-services';
import { fixedClock, quietLogger } from '../support/openssl.ts';
import { loadedState } from '../support/state.ts';

const T0 = Date.UTC(2030, 0, 2, 3, 4, 5);

describe('TSA with an injected clock (inject, no sockets)', () => {
  it('puts the clock time, the policy, the nonce and a fresh serial into tokens that @tonle/pki verifies', async () => {
    const clock = fixedClock(T0);
    await using s = await loadedState(clock);
    const log = quietLogger();
    const config = loadTsaConfig({ overrides: { stateDir: s.dir, policyOid: '1.3.6.1.4.1.55555.1' } });
    const authority = createTimeStampAuthority({
      tsa: s.tsa,
      serials: createFileSerialCounter({ path: stateLayout(s.dir).tsaSerial }),
      clock,
      log,
      policyOid: config.policyOid,
    });
    const app = createTsaServer({ config, log, authority });
    const data = new TextEncoder().encode('checkpoint 42');
    const serials: bigint[] = [];
    for (const hashAlgorithm of ['SHA-256', 'SHA-384', 'SHA-512'] as const) {
      const request = buildTimeStampRequest({ hashAlgorithm, data, nonce: true, certReq: hashAlgorithm !== 'SHA-512' });
      const reply = await app.inject({ method: 'POST', url: '/', headers: { 'content-type': 'application/timestamp-query' }, payload: Buffer.from(request.der) });
      expect(reply.statusCode).toBe(200);
      const response = parseTimeStampResponse(new Uint8Array(reply.rawPayload));
      expect(response.status).toBe('granted');
      const verified = verifyTimeStampToken({
        token: response.token ?? new Uint8Array(),
        data,
        trustedTsaCertificates: [s.state.tsaCertificate],
        ...(request.nonce === undefined ? {} : { nonce: request.nonce }),
      });
      expect(verified).toMatchObject({ genTime: T0, policy: '1.3.6.1.4.1.55555.1', hashAlgorithm });
      serials.push(verified.serialNumber);
      clock.advance(1);
    }
    expect(serials).toEqual([1n, 2n, 3n]);

    const otherPolicy = buildTimeStampRequest({ hashAlgorithm: 'SHA-256', data, policy: '1.2.3' });
    const rejected = await app.inject({ method: 'POST', url: '/', headers: { 'content-type': 'application/timestamp-query' }, payload: Buffer.from(otherPolicy.der) });
    expect(parseTimeStampResponse(new Uint8Array(rejected.rawPayload))).toMatchObject({ status: 'rejection', failInfo: ['unacceptedPolicy'] });
    await app.close();
  });
});
