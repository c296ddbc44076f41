import { X509Certificate } from 'node:crypto';
import { compactVerify, decodeProtectedHeader } from 'jose';
import { checkChain, type TrustAnchors } from './anchors.ts';

const ALGORITHMS = ['ES256', 'ES384', 'PS256', 'RS256', 'EdDSA'];

/** Result of checking a compact JWS signed by the key of a certificate chain. */
export type JwsCheck = { readonly ok: true; readonly signer: string; readonly payload: Uint8Array } | { readonly ok: false; readonly reason: string };

/**
 * Verifies a compact JWS against the leaf of `chain` (or of its `x5c` header when no chain is given)
 * and the chain against the anchors at time `at`.
 */
export async function checkJws(jws: string, anchors: TrustAnchors, at: number, chain?: readonly X509Certificate[]): Promise<JwsCheck> {
  let certs = chain;
  try {
    if (certs === undefined) {
      const header = decodeProtectedHeader(jws);
      if (!Array.isArray(header.x5c) || header.x5c.length === 0) return { ok: false, reason: 'JWS has no x5c certificate chain' };
      certs = header.x5c.map((c) => new X509Certificate(Buffer.from(c, 'base64')));
    }
  } catch {
    return { ok: false, reason: 'JWS header or its x5c certificates cannot be parsed' };
  }
  const leaf = certs[0];
  if (leaf === undefined) return { ok: false, reason: 'no signer certificate' };
  let payload: Uint8Array;
  try {
    payload = (await compactVerify(jws, leaf.publicKey, { algorithms: ALGORITHMS })).payload;
  } catch {
    return { ok: false, reason: 'JWS signature does not verify with the signer certificate' };
  }
  const chainProblem = checkChain(certs, anchors, at);
  if (chainProblem !== undefined) return { ok: false, reason: chainProblem };
  return { ok: true, signer: leaf.subject.replace(/\n/g, ', '), payload };
}
