import type { CertificateStatusChecker } from './key-manager.ts';

/**
 * Adapts the OCSP service (src/ocsp: fetch from the approved CA's responder, verify, cache) to the key
 * manager's status port: a verified good response is `good`; a verified revoked one `revoked`; any other
 * refusal of a verified response `unknown`. A responder that cannot be reached is an error, not a status.
 *
 * @example
 * ```ts
 * const keys = await createKeyManager({ ..., ocsp: createOcspStatusChecker({ ocsp: ocspService }) });
 * ```
 */
export function createOcspStatusChecker({ ocsp }: { ocsp: { refresh(certificate: Uint8Array): Promise<{ readonly thisUpdate: number; readonly nextUpdate?: number }> } }): CertificateStatusChecker {
  return {
    async check(certificate) {
      try {
        const r = await ocsp.refresh(certificate);
        return { status: 'good', thisUpdate: r.thisUpdate, ...(r.nextUpdate === undefined ? {} : { nextUpdate: r.nextUpdate }) };
      } catch (e) {
        const err = e as { code?: string; pkiCode?: string };
        if (err.code === 'TONLE_ERR_OCSP_NOT_GOOD') return { status: err.pkiCode === 'TONLE_ERR_PKI_REVOKED' ? 'revoked' : 'unknown' };
        throw e;
      }
    },
  };
}
