import { verifyTimeStampToken } from '@tonle/pki';
import { anchorDers, pkiReason, type TrustAnchors } from './anchors.ts';

export type TimestampCheck =
  | { readonly ok: true; readonly genTime: number; readonly serial: string }
  | { readonly ok: false; readonly reason: string };

/**
 * Verifies an RFC 3161 token over `data` with @tonle/pki's `verifyTimeStampToken`: CMS signature by one of
 * the anchor certificates (the TSA certificates, as listed in the global configuration) with
 * id-kp-timeStamping, ESS signing certificate, imprint = SHA-256(data), nonce when given.
 */
export function checkTimestampToken(token: Uint8Array, data: Uint8Array, anchors: TrustAnchors, nonce?: Uint8Array): TimestampCheck {
  try {
    const v = verifyTimeStampToken({ token, data, trustedTsaCertificates: anchorDers(anchors), ...(nonce === undefined ? {} : { nonce }) });
    return { ok: true, genTime: v.genTime, serial: v.serialNumber.toString(16) };
  } catch (e) {
    return { ok: false, reason: pkiReason(e) };
  }
}
