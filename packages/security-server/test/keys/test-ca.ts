import { generateKeyPair, issueCertificate, parseCsr, type DistinguishedName } from '@tonle/pki';
import type { KeyObject } from 'node:crypto';

/** A throwaway CA made with @tonle/pki for key-manager tests (test-kit's createTestPki when it lands). */
export async function createCa(now: number): Promise<{ certificate: Uint8Array; issue(csrDer: Uint8Array, opts?: { notAfter?: number; usage?: 'SIGN' | 'AUTH'; subject?: DistinguishedName }): Promise<Uint8Array> }> {
  const pair = await generateKeyPair('P-256');
  const signingKey: KeyObject = pair.privateKey;
  const certificate = await issueCertificate({
    publicKey: pair.publicKey,
    subject: [{ type: 'CN', value: 'Test CA' }],
    signingKey,
    notBefore: now - 3_600_000,
    notAfter: now + 10 * 365 * 86_400_000,
    keyUsage: ['keyCertSign', 'cRLSign'],
    basicConstraints: { ca: true },
  });
  return {
    certificate,
    async issue(csrDer, opts = {}) {
      const csr = parseCsr(csrDer);
      return issueCertificate({
        publicKey: csr.spki,
        subject: opts.subject ?? csr.subject,
        signingKey,
        issuerCertificate: certificate,
        notBefore: now - 60_000,
        notAfter: opts.notAfter ?? now + 365 * 86_400_000,
        keyUsage: opts.usage === 'AUTH' ? ['digitalSignature', 'keyEncipherment'] : ['nonRepudiation'],
        ...(opts.usage === 'AUTH' ? { extendedKeyUsage: ['clientAuth', 'serverAuth'] } : {}),
      });
    },
  };
}
