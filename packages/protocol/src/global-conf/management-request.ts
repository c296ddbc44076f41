import { CompactSign, type CryptoKey, type JWK, type KeyObject } from 'jose';
import { toBase64, utf8 } from '../web-platform/index.ts';
import type { ClientRef, GlobalConfAlgorithm } from './types.ts';

/** The management services of PR-MSERV (xroad-digest §4.7) the registry accepts. */
export type ManagementRequestType =
  | 'authCertReg'
  | 'clientReg'
  | 'clientDeletion'
  | 'authCertDeletion'
  | 'addressChange'
  | 'maintenanceModeEnable'
  | 'maintenanceModeDisable';

/** The signed payload of a management request. */
export interface ManagementRequestPayload {
  readonly type: ManagementRequestType;
  /** Unique per request (8-128 of A-Za-z0-9._-); the registry refuses a second use (replay). */
  readonly requestId: string;
  /** ISO 8601 UTC; the registry accepts it only within its window around its own clock. */
  readonly createdAt: string;
  readonly instance: string;
  readonly server: { readonly memberClass: string; readonly memberCode: string; readonly serverCode: string };
  /** authCertReg, addressChange: the server's host name or IP address. */
  readonly address?: string;
  /** authCertReg: standard base64 of the new authentication certificate's DER. */
  readonly authCertificate?: string;
  /** authCertDeletion: SHA-256 hex of the authentication certificate to remove. */
  readonly authCertHash?: string;
  /** clientReg, clientDeletion. */
  readonly client?: ClientRef;
  /** maintenanceModeEnable: the notice shown to callers. */
  readonly message?: string;
}

/** What is POSTed to the registry's management endpoint. */
export interface ManagementRequestEnvelope {
  /** Compact JWS of the payload by the member's signing key; header `x5c` = [sign cert, intermediates...]. */
  readonly request: string;
  /** Standard base64 of a fresh OCSP response (DER) for the signing certificate. */
  readonly ocspResponse: string;
  /** authCertReg only: compact JWS of the same payload bytes by the NEW authentication key (proof of possession). */
  readonly authSignature?: string;
}

/** A private key jose can sign with, and its JWS algorithm. */
export interface ManagementSigningKey {
  readonly alg: GlobalConfAlgorithm;
  readonly privateKey: CryptoKey | KeyObject | JWK;
}

/**
 * Signs a management request the way the registry verifies it: the owner's (or, for clientReg, the
 * client's member's) signing key with its certificate chain in `x5c` (RFC 7515 §4.1.6), the OCSP
 * response for that certificate, and for authCertReg a second signature over the same bytes with the
 * new authentication key (PR-MSERV: proof of possession).
 *
 * @example
 * ```ts
 * const envelope = await signManagementRequest({
 *   payload: { type: 'authCertReg', requestId: crypto.randomUUID(), createdAt: new Date().toISOString(), instance: 'EE',
 *              server: { memberClass: 'GOV', memberCode: '123', serverCode: 'ss1' }, address: 'ss1.example.org', authCertificate },
 *   signingKey: { alg: 'ES256', privateKey: signKey }, certificateChain: [signCertDer], ocspResponse,
 *   authKey: { alg: 'ES256', privateKey: authKey },
 * });
 * await fetch(`${registry}/managementservice`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(envelope) });
 * ```
 */
export async function signManagementRequest(options: {
  payload: ManagementRequestPayload;
  signingKey: ManagementSigningKey;
  certificateChain: readonly Uint8Array[];
  ocspResponse: Uint8Array;
  authKey?: ManagementSigningKey;
}): Promise<ManagementRequestEnvelope> {
  if (options.certificateChain.length === 0) throw new TypeError('signManagementRequest: certificateChain needs at least the signing certificate');
  if (options.payload.type === 'authCertReg' && options.authKey === undefined) throw new TypeError('signManagementRequest: authCertReg needs authKey (proof of possession)');
  const bytes = utf8.encode(JSON.stringify(options.payload));
  const request = await new CompactSign(bytes)
    .setProtectedHeader({ alg: options.signingKey.alg, x5c: options.certificateChain.map(toBase64) })
    .sign(options.signingKey.privateKey);
  const authSignature = options.authKey === undefined ? undefined : await new CompactSign(bytes).setProtectedHeader({ alg: options.authKey.alg }).sign(options.authKey.privateKey);
  return { request, ocspResponse: toBase64(options.ocspResponse), ...(authSignature === undefined ? {} : { authSignature }) };
}
