import { X509Certificate } from 'node:crypto';
import { JWS_ALGORITHMS, formatDistinguishedName, verifyCompactJws } from '@tonle/pki';
import { anchorDers, checkChain, pkiReason, type TrustAnchors } from './anchors.ts';

/** Result of checking a compact JWS signed by the key of a certificate chain. */
export type JwsCheck = { readonly ok: true; readonly signer: string; readonly payload: Uint8Array } | { readonly ok: false; readonly reason: string };

/**
 * Verifies a compact JWS (@tonle/pki `verifyCompactJws`) against the leaf of `chain`, or of its `x5c`
 * header when no chain is given, and that chain against the anchors at time `at`.
 */
export function checkJws(jws: string, anchors: TrustAnchors, at: number, chain?: readonly Uint8Array[]): JwsCheck {
  try {
    if (chain === undefined) {
      const v = verifyCompactJws(jws, { algorithms: JWS_ALGORITHMS, trustAnchors: anchorDers(anchors), at });
      return { ok: true, signer: v.signerCertificate === undefined ? 'unknown' : formatDistinguishedName(v.signerCertificate.subject), payload: v.payload };
    }
    const problem = checkChain(chain, anchors, at);
    if (problem !== undefined) return { ok: false, reason: problem };
    const leaf = new X509Certificate(chain[0]!);
    const v = verifyCompactJws(jws, { algorithms: JWS_ALGORITHMS, key: leaf.publicKey });
    return { ok: true, signer: leaf.subject.replace(/\n/g, ', '), payload: v.payload };
  } catch (e) {
    return { ok: false, reason: pkiReason(e) };
  }
}
