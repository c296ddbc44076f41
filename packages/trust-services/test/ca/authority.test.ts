import { describe, expect, it } from 'vitest';
import { memberId } from '@tonle/protocol';
import { createCsr, generateKeyPair } from '@tonle/pki';
import { createCertificationAuthority, createFileCertificateStore, loadCaConfig, stateLayout } from '@tonle/trust-services';
import { fixedClock, quietLogger } from '../support/openssl.ts';
import { loadedState } from '../support/state.ts';

describe('certification authority (no HTTP)', () => {
  it('issues concurrently without losing or repeating serials, and caps validity at the CA notAfter', async () => {
    const clock = fixedClock(Date.UTC(2030, 0, 1));
    await using s = await loadedState(clock);
    const store = createFileCertificateStore({ dir: stateLayout(s.dir).issuedDir });
    const ca = createCertificationAuthority({
      settings: { ...loadCaConfig({ overrides: { stateDir: s.dir, instanceIdentifier: 'EE', ocspUrl: 'http://o/' } }), signCertValidityDays: 3650 },
      issuer: s.ca,
      store,
      clock,
      log: quietLogger(),
    });
    const keys = await generateKeyPair('P-256');
    const records = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        ca.issue({
          csr: createCsr({ privateKey: keys.privateKey, subject: [{ type: 'CN', value: `m${i}` }, { type: 'O', value: 'GOV' }, { type: 'C', value: 'EE' }] }),
          owner: { profile: 'sign', member: memberId('EE', 'GOV', `m${i}`) },
        }),
      ),
    );
    expect(new Set(records.map((r) => r.serialNumber)).size).toBe(16);
    expect((await ca.list()).length).toBe(16);
    // Default CA validity is 3650 days from init; a 3650-day certificate issued later is capped at it.
    clock.advance(86_400_000);
    const late = await ca.issue({
      csr: createCsr({ privateKey: keys.privateKey, subject: [{ type: 'C', value: 'EE' }, { type: 'O', value: 'GOV' }, { type: 'CN', value: 'late' }] }),
      owner: { profile: 'sign', member: memberId('EE', 'GOV', 'late') },
    });
    expect(late.notAfter).toBeLessThanOrEqual(Date.UTC(2030, 0, 1) + 3650 * 86_400_000);
    expect(late.notBefore).toBeLessThan(clock.now());
  });
});
