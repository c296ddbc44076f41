// The OCSP service against the real trust-services OCSP responder (test-kit's createTestPki, real sockets):
// staple, verify as a peer, then revoke and see the certificate become unusable.
import { systemClock, verifyGlobalConfiguration } from '@tonle/protocol';
import type { GlobalConfiguration } from '@tonle/protocol';
import { createTestPki, type TestPki } from '@tonle/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGlobalConfView, type GlobalConfView } from '../../src/global-conf/index.ts';
import { createMemoryOcspCache, createOcspService } from '../../src/ocsp/index.ts';
import { anchorFor, confSigningKey, documentFor, signGlobalConfiguration } from '../global-conf/fixtures.ts';

let pki: TestPki;
let view: GlobalConfView;

beforeAll(async () => {
  pki = await createTestPki();
  const key = await confSigningKey();
  const source = 'http://127.0.0.1:1/globalconf';
  const base = documentFor({ source, key: key.verification, generatedAt: systemClock.now() - 1000 });
  const doc: GlobalConfiguration = {
    ...base,
    approvedCas: [
      {
        name: 'test-kit CA',
        authOnly: false,
        certificateProfile: 'ejbca',
        topCertificate: Buffer.from(pki.caCertificate).toString('base64'),
        intermediateCertificates: [],
        ocspResponders: [{ url: pki.ocspUrl, certificate: Buffer.from(pki.ocspResponderCertificate).toString('base64') }],
      },
    ],
  };
  const jws = await signGlobalConfiguration(doc, key.signing);
  view = createGlobalConfView(await verifyGlobalConfiguration(jws, anchorFor(source, key.verification), { clock: systemClock }));
});
afterAll(async () => {
  await pki?.close();
});

describe('OCSP service with the trust-services responder', () => {
  it('staples a good response a peer accepts, and refuses the certificate once revoked', async () => {
    const cert = await pki.issueSignCertificate({ memberClass: 'GOV', memberCode: '123' });
    const ocsp = createOcspService({ globalConf: { current: () => view }, clock: systemClock, cache: createMemoryOcspCache({ clock: systemClock }) });
    const stapled = await ocsp.staple(cert.certificate);
    const peer = createOcspService({ globalConf: { current: () => view }, clock: systemClock, cache: createMemoryOcspCache({ clock: systemClock }) });
    expect(peer.verifyPeer({ certificate: cert.certificate, response: stapled }, 'server')).toMatchObject({ status: 'good' });

    await pki.revoke(cert.serialNumber, 'keyCompromise');
    await expect(ocsp.refresh(cert.certificate)).rejects.toMatchObject({ code: 'TONLE_ERR_OCSP_NOT_GOOD', pkiCode: 'TONLE_ERR_PKI_REVOKED' });
    // The revoked answer also evicted the cached good one: nothing is stapled any more.
    await expect(ocsp.staple(cert.certificate)).rejects.toMatchObject({ code: 'TONLE_ERR_OCSP_NOT_GOOD' });
  });

  it('keeps authentication certificates fresh through refreshAll', async () => {
    const auth = await pki.issueAuthCertificate({ memberClass: 'GOV', memberCode: '123', serverCode: 'ss1' });
    const ocsp = createOcspService({ globalConf: { current: () => view }, clock: systemClock, cache: createMemoryOcspCache({ clock: systemClock }) });
    ocsp.addOwnCertificate(auth.certificate);
    expect(await ocsp.refreshAll()).toEqual({ refreshed: 1, failed: 0 });
    await expect(ocsp.staple(auth.certificate)).resolves.toBeInstanceOf(Uint8Array);
  });
});
