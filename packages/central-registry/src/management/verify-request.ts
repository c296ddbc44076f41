/**
 * Verification of signed management requests (PR-MSERV, xroad-digest §4.7), in Tonle's JSON form:
 *
 *   { "request": <compact JWS by a member's signing key, x5c = [sign cert, intermediates...]>,
 *     "ocspResponse": <base64 DER OCSP response for the sign cert>,
 *     "authSignature"?: <compact JWS over the same payload by the NEW authentication key> }
 *
 * The signing certificate must chain to an approved (not auth-only) CA, have a good and fresh OCSP
 * response, and name (through the CA's certificate profile) the member the request type requires.
 */
import { createHash } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import {
  PkiError,
  certificateProfileByName,
  parseCertificate,
  validateCertificatePath,
  verifyCompactJws,
  verifyOcspResponse,
  type CertificateInfo,
  type JwsAlgorithm,
} from '@tonle/pki';
import type { ApprovedCaEntry, ManagementRequestEnvelope, ManagementRequestPayload, ManagementRequestType, MemberRef } from '@tonle/protocol';
import { RegistryError } from '../errors/index.ts';
import type { AuthCertRecord, RegistryState } from '../state/index.ts';

/** What a submitter sends to the public management endpoint (built by `signManagementRequest`). */
export type ManagementEnvelope = ManagementRequestEnvelope;
/** The signed payload of a management request. */
export type ManagementPayload = ManagementRequestPayload;

/** A request whose signatures, certificates and OCSP response were checked. */
export interface VerifiedManagementRequest {
  readonly payload: ManagementPayload;
  readonly signedBy: MemberRef;
  readonly authCert?: AuthCertRecord;
}

const ALGORITHMS: readonly JwsAlgorithm[] = ['ES256', 'ES384', 'PS256', 'RS256', 'EdDSA'];
const TYPES: readonly ManagementRequestType[] = ['authCertReg', 'clientReg', 'clientDeletion', 'authCertDeletion', 'addressChange', 'maintenanceModeEnable', 'maintenanceModeDisable'];

const fail = (code: ConstructorParameters<typeof RegistryError>[0], message: string, cause?: unknown): never => {
  throw new RegistryError(code, message, cause === undefined ? {} : { cause, details: cause instanceof PkiError ? [cause.code] : [] });
};

function der(base64: string, what: string): Uint8Array {
  if (typeof base64 !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) fail('TONLE_ERR_REGISTRY_VALIDATION', `${what} must be standard base64 of DER.`);
  return new Uint8Array(Buffer.from(base64, 'base64'));
}

/** Finds the approved CA the certificate chains to; `forSigning` excludes auth-only CAs. */
function chainToApprovedCa(state: RegistryState, cert: Uint8Array, extra: readonly Uint8Array[], at: number, forSigning: boolean): { ca: ApprovedCaEntry; chain: readonly CertificateInfo[] } {
  let lastError: unknown;
  for (const ca of state.approvedCas) {
    if (forSigning && ca.authOnly) continue;
    try {
      const path = validateCertificatePath({
        certificate: cert,
        intermediates: [...extra, ...ca.intermediateCertificates.map((c) => der(c, 'CA intermediate'))],
        trustAnchors: [der(ca.topCertificate, 'CA certificate')],
        at,
      });
      return { ca, chain: path.chain };
    } catch (error) {
      if (!(error instanceof PkiError)) throw error;
      lastError = error;
      // A certificate that does chain to this CA but is expired/not yet valid is reported as such.
      if (error.code === 'TONLE_ERR_PKI_CERT_EXPIRED' || error.code === 'TONLE_ERR_PKI_CERT_NOT_YET_VALID') break;
    }
  }
  return fail(
    'TONLE_ERR_REGISTRY_UNTRUSTED_CERT',
    `The ${forSigning ? 'signing' : 'authentication'} certificate does not chain to an approved${forSigning ? ' signing' : ''} CA valid now${lastError instanceof PkiError ? ` (${lastError.code})` : ''}.`,
    lastError,
  );
}

function verifyJws(jws: string, cert: CertificateInfo, what: string): Uint8Array {
  try {
    return verifyCompactJws(jws, { algorithms: ALGORITHMS, key: cert.publicKey }).payload;
  } catch (cause) {
    if (cause instanceof PkiError && cause.code === 'TONLE_ERR_PKI_JWS_INVALID') return fail('TONLE_ERR_REGISTRY_VALIDATION', `${what} is not a well-formed compact JWS.`, cause);
    if (cause instanceof PkiError) return fail('TONLE_ERR_REGISTRY_BAD_SIGNATURE', `${what} does not verify with the certificate's key (${cause.code}).`, cause);
    throw cause;
  }
}

function parsePayload(bytes: Uint8Array): ManagementPayload {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (cause) {
    return fail('TONLE_ERR_REGISTRY_VALIDATION', 'The signed request payload is not JSON.', cause);
  }
  const p = value as Record<string, unknown>;
  const problems: string[] = [];
  const allowed = new Set(['type', 'requestId', 'createdAt', 'instance', 'server', 'address', 'authCertificate', 'authCertHash', 'client', 'message']);
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return fail('TONLE_ERR_REGISTRY_VALIDATION', 'The signed request payload must be a JSON object.');
  for (const key of Object.keys(p)) if (!allowed.has(key)) problems.push(`unknown field ${key}`);
  if (!TYPES.includes(p['type'] as ManagementRequestType)) problems.push(`type must be one of ${TYPES.join(', ')}`);
  if (typeof p['requestId'] !== 'string' || !/^[A-Za-z0-9._-]{8,128}$/.test(p['requestId'])) problems.push('requestId must be 8-128 characters from A-Za-z0-9._-');
  if (typeof p['createdAt'] !== 'string' || Number.isNaN(Date.parse(p['createdAt']))) problems.push('createdAt must be an ISO 8601 instant');
  if (typeof p['instance'] !== 'string') problems.push('instance must be a string');
  const server = p['server'] as Record<string, unknown> | undefined;
  if (typeof server !== 'object' || server === null || ['memberClass', 'memberCode', 'serverCode'].some((k) => typeof server[k] !== 'string') || Object.keys(server).length !== 3) {
    problems.push('server must be { memberClass, memberCode, serverCode }');
  }
  const client = p['client'] as Record<string, unknown> | undefined;
  if (client !== undefined && (typeof client !== 'object' || client === null || typeof client['memberClass'] !== 'string' || typeof client['memberCode'] !== 'string' || (client['subsystemCode'] !== undefined && typeof client['subsystemCode'] !== 'string') || Object.keys(client).some((k) => !['memberClass', 'memberCode', 'subsystemCode'].includes(k)))) {
    problems.push('client must be { memberClass, memberCode, subsystemCode? }');
  }
  for (const key of ['address', 'authCertificate', 'authCertHash', 'message']) if (p[key] !== undefined && typeof p[key] !== 'string') problems.push(`${key} must be a string`);
  if (typeof p['address'] === 'string' && !/^[A-Za-z0-9.:-]{1,253}$/.test(p['address'])) problems.push('address must be a host name or IP address');
  if (typeof p['message'] === 'string' && p['message'].length > 1024) problems.push('message must be at most 1024 characters');
  if (typeof p['authCertHash'] === 'string' && !/^[0-9a-f]{64}$/.test(p['authCertHash'])) problems.push('authCertHash must be 64 lowercase hex digits');
  const type = p['type'];
  const need = (field: string): void => {
    if (p[field] === undefined) problems.push(`${String(type)} needs ${field}`);
  };
  if (type === 'authCertReg') ['address', 'authCertificate'].forEach(need);
  if (type === 'clientReg' || type === 'clientDeletion') need('client');
  if (type === 'authCertDeletion') need('authCertHash');
  if (type === 'addressChange') need('address');
  if (problems.length > 0) throw new RegistryError('TONLE_ERR_REGISTRY_VALIDATION', 'The signed request payload is invalid; see details.', { details: problems });
  return value as ManagementPayload;
}

/**
 * Verifies an envelope against the current state and clock. Throws a RegistryError with the precise
 * code: VALIDATION, UNTRUSTED_CERT, BAD_SIGNATURE, OCSP_INVALID, CERT_REVOKED, WRONG_SIGNER, STALE_REQUEST.
 * Replay protection (request id) is the caller's next step, after this succeeds.
 */
export async function verifyManagementRequest(envelope: ManagementEnvelope, state: RegistryState, now: number): Promise<VerifiedManagementRequest> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(envelope.request);
  } catch (cause) {
    return fail('TONLE_ERR_REGISTRY_VALIDATION', 'request is not a compact JWS.', cause);
  }
  const x5c = header.x5c;
  if (!Array.isArray(x5c) || x5c.length === 0 || x5c.length > 5) return fail('TONLE_ERR_REGISTRY_VALIDATION', 'The request JWS header must carry x5c: [signing certificate, intermediates...] (RFC 7515 §4.1.6).');
  const [leaf, ...rest] = x5c.map((c, i) => der(c, `x5c[${i}]`));
  const signCertDer = leaf!;
  const { ca, chain } = chainToApprovedCa(state, signCertDer, rest, now, true);
  const signCert = chain[0]!;
  const issuer = chain[1]!;

  const payloadBytes = verifyJws(envelope.request, signCert, 'The request signature');
  const payload = parsePayload(payloadBytes);
  if (payload.instance !== state.instanceIdentifier) return fail('TONLE_ERR_REGISTRY_VALIDATION', `The request is for instance ${payload.instance}, this registry is ${state.instanceIdentifier}.`);
  const maxAge = state.settings.requestMaxAgeSeconds * 1000;
  const created = Date.parse(payload.createdAt);
  if (Math.abs(now - created) > maxAge) {
    return fail('TONLE_ERR_REGISTRY_STALE_REQUEST', `The request was created at ${payload.createdAt}, outside the accepted window of ${state.settings.requestMaxAgeSeconds} s; create a new one (and check the clock).`);
  }

  // RFC 6960: the signing certificate must be good per a fresh response from the CA's responder.
  let ocsp;
  try {
    ocsp = verifyOcspResponse({
      response: der(envelope.ocspResponse, 'ocspResponse'),
      certificate: signCert.der,
      issuer: issuer.der,
      at: now,
      maxAgeMs: state.settings.ocspFreshnessSeconds * 1000,
      trustedResponders: ca.ocspResponders.flatMap((r) => (r.certificate === undefined ? [] : [der(r.certificate, 'OCSP responder certificate')])),
    });
  } catch (cause) {
    if (cause instanceof PkiError && cause.code === 'TONLE_ERR_PKI_REVOKED') return fail('TONLE_ERR_REGISTRY_CERT_REVOKED', 'The signing certificate is revoked.', cause);
    return fail('TONLE_ERR_REGISTRY_OCSP_INVALID', `The OCSP response for the signing certificate is not acceptable${cause instanceof PkiError ? ` (${cause.code})` : ''}; fetch a fresh one from the CA's responder.`, cause);
  }
  if (ocsp.status === 'revoked') return fail('TONLE_ERR_REGISTRY_CERT_REVOKED', 'The signing certificate is revoked.');
  if (ocsp.status !== 'good') return fail('TONLE_ERR_REGISTRY_OCSP_INVALID', `The OCSP status of the signing certificate is ${ocsp.status}, not good.`);

  let signer: MemberRef;
  try {
    const id = certificateProfileByName(ca.certificateProfile).memberIdFromCertificate(signCert, state.instanceIdentifier);
    signer = { memberClass: id.memberClass, memberCode: id.memberCode };
  } catch (cause) {
    return fail('TONLE_ERR_REGISTRY_UNTRUSTED_CERT', `The signing certificate does not name a member under profile ${ca.certificateProfile}.`, cause);
  }
  // PR-MSERV: clientReg is signed by the client's owning member; every other request by the server owner.
  const expected: MemberRef = payload.type === 'clientReg' ? payload.client! : payload.server;
  if (signer.memberClass !== expected.memberClass || signer.memberCode !== expected.memberCode) {
    return fail('TONLE_ERR_REGISTRY_WRONG_SIGNER', `The request is signed by ${signer.memberClass}/${signer.memberCode}, but a ${payload.type} must be signed by ${expected.memberClass}/${expected.memberCode}.`);
  }

  if (payload.type !== 'authCertReg') return { payload, signedBy: signer };

  // Proof of possession: the new authentication key signs the very same payload bytes.
  if (envelope.authSignature === undefined) return fail('TONLE_ERR_REGISTRY_BAD_SIGNATURE', 'authCertReg needs authSignature: the payload signed with the new authentication key.');
  const authDer = der(payload.authCertificate!, 'authCertificate');
  let authInfo: CertificateInfo;
  try {
    authInfo = parseCertificate(authDer);
  } catch (cause) {
    return fail('TONLE_ERR_REGISTRY_VALIDATION', 'authCertificate is not an X.509 certificate.', cause);
  }
  chainToApprovedCa(state, authDer, [], now, false);
  const authPayload = verifyJws(envelope.authSignature, authInfo, 'The authentication key signature');
  if (!Buffer.from(authPayload).equals(Buffer.from(payloadBytes))) {
    return fail('TONLE_ERR_REGISTRY_BAD_SIGNATURE', 'authSignature signs a different payload than request; both must sign the same bytes.');
  }
  const hash = createHash('sha256').update(authDer).digest('hex');
  return { payload, signedBy: signer, authCert: { hash, certificate: payload.authCertificate! } };
}
