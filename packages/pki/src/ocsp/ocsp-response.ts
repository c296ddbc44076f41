import type { KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { PkiError, parseGuard } from '../errors/index.ts';
import {
  certificateSignedBy,
  formatDistinguishedName,
  hex,
  parseCertificateInternal,
  type ParsedCertificate,
} from '../certificates/index.ts';
import { OID, digest, signX509, verifyX509 } from '../keys/index.ts';
import { certIdFor, certIdFromPkijs, certIdToPkijs, sameCertId, type CertIdHashAlgorithm, type OcspCertId } from './cert-id.ts';
import { nonceExtension, nonceFromExtensions } from './ocsp-request.ts';

/**
 * RFC 5280 §5.3.1 CRLReason names, indexed by their code (7 is unused).
 *
 * @example
 * ```ts
 * REVOCATION_REASONS[1]; // 'keyCompromise'
 * ```
 */
export const REVOCATION_REASONS = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  undefined,
  'removeFromCRL',
  'privilegeWithdrawn',
  'aACompromise',
] as const;

/**
 * A revocation reason name (RFC 5280 §5.3.1).
 *
 * @example
 * ```ts
 * const reason: RevocationReason = 'keyCompromise';
 * ```
 */
export type RevocationReason = Exclude<(typeof REVOCATION_REASONS)[number], undefined>;

/**
 * RFC 6960 §4.2.1 OCSPResponseStatus values.
 *
 * @example
 * ```ts
 * const { responseStatus }: { responseStatus: OcspResponseStatus } = parseOcspResponse(der);
 * ```
 */
export type OcspResponseStatus = 'successful' | 'malformedRequest' | 'internalError' | 'tryLater' | 'sigRequired' | 'unauthorized';
const RESPONSE_STATUS: readonly (OcspResponseStatus | undefined)[] = [
  'successful',
  'malformedRequest',
  'internalError',
  'tryLater',
  undefined,
  'sigRequired',
  'unauthorized',
];

/**
 * The status of one certificate in a response.
 *
 * @example
 * ```ts
 * const status: OcspCertStatus = verifyOcspResponse({ response, certificate, issuer, at, maxAgeMs }).status;
 * ```
 */
export type OcspCertStatus = 'good' | 'revoked' | 'unknown';

/**
 * One SingleResponse to put into {@link buildOcspResponse}.
 *
 * @example
 * ```ts
 * const single: OcspSingleResponseInput = { certId, status: 'revoked', revocationTime, revocationReason: 'keyCompromise', thisUpdate: now, nextUpdate: now + 3_600_000 };
 * ```
 */
export interface OcspSingleResponseInput {
  readonly certId: OcspCertId;
  readonly status: OcspCertStatus;
  /** Epoch ms; required when `status` is `revoked`. */
  readonly revocationTime?: number;
  readonly revocationReason?: RevocationReason;
  readonly thisUpdate: number;
  readonly nextUpdate?: number;
}

/**
 * Inputs of {@link buildOcspResponse}.
 *
 * @example
 * ```ts
 * const options: BuildOcspResponseOptions = { responderCertificate, privateKey, producedAt: now, responses: [single], certificates: [responderCertificate] };
 * const der = buildOcspResponse(options);
 * ```
 */
export interface BuildOcspResponseOptions {
  /** The certificate of the key that signs: the CA itself or its delegated responder (EKU OCSPSigning). */
  readonly responderCertificate: Uint8Array;
  readonly privateKey: KeyObject;
  readonly producedAt: number;
  readonly responses: readonly OcspSingleResponseInput[];
  /** Echo of the request nonce (RFC 8954 §2.1). */
  readonly nonce?: Uint8Array;
  /** Certificates to include (the delegated responder certificate, RFC 6960 §4.2.1 `certs`). */
  readonly certificates?: readonly Uint8Array[];
}

/**
 * One SingleResponse as parsed.
 *
 * @example
 * ```ts
 * const [first]: readonly OcspSingleResponse[] = parseOcspResponse(der).responses;
 * ```
 */
export interface OcspSingleResponse {
  readonly certId: OcspCertId;
  readonly status: OcspCertStatus;
  readonly thisUpdate: number;
  readonly nextUpdate?: number;
  readonly revocationTime?: number;
  readonly revocationReason?: RevocationReason;
}

/**
 * A parsed (not yet verified) OCSP response.
 *
 * @example
 * ```ts
 * const parsed: ParsedOcspResponse = parseOcspResponse(der);
 * ```
 */
export interface ParsedOcspResponse {
  readonly responseStatus: OcspResponseStatus;
  /** Present when `responseStatus` is `successful`. */
  readonly producedAt?: number;
  readonly responses: readonly OcspSingleResponse[];
  readonly nonce?: Uint8Array;
  /** Certificates the responder included. */
  readonly certificates: readonly Uint8Array[];
  /** `byKey` (SHA-1 of the responder key, hex) or `byName` (the responder subject, text). */
  readonly responderId?: { readonly byKey: string } | { readonly byName: string };
}

/**
 * Result of {@link verifyOcspResponse}.
 *
 * @example
 * ```ts
 * const result: OcspVerification = verifyOcspResponse({ response, certificate, issuer, at: clock.now(), maxAgeMs: 3_600_000 });
 * ```
 */
export interface OcspVerification {
  readonly status: OcspCertStatus;
  readonly thisUpdate: number;
  readonly nextUpdate?: number;
  readonly producedAt: number;
  readonly revocationTime?: number;
  readonly revocationReason?: RevocationReason;
  /** The certificate whose key signed the response (the CA or its delegated responder). */
  readonly responderCertificate: Uint8Array;
}

/**
 * Inputs of {@link verifyOcspResponse}.
 *
 * @example
 * ```ts
 * const options: VerifyOcspResponseOptions = { response, certificate, issuer, at: clock.now(), maxAgeMs: 3_600_000, nonce };
 * assertOcspGood(verifyOcspResponse(options));
 * ```
 */
export interface VerifyOcspResponseOptions {
  /** DER OCSPResponse as received. */
  readonly response: Uint8Array;
  /** The certificate the response must be about. */
  readonly certificate: Uint8Array | string;
  /** Its issuer (the CA whose status information this is). */
  readonly issuer: Uint8Array | string;
  /** The verification instant, epoch ms. */
  readonly at: number;
  /** Maximum age of the status information (`at - thisUpdate`), e.g. global conf ocspFreshnessSeconds * 1000. */
  readonly maxAgeMs: number;
  /** The nonce sent in the request; when given, the response must echo it. */
  readonly nonce?: Uint8Array;
  /** Responder certificates trusted explicitly (global conf `ocsp[].cert`), besides CA-issued delegates. */
  readonly trustedResponders?: readonly Uint8Array[];
  /** Allowed clock skew for thisUpdate in the future and nextUpdate in the past (default 5 min, as OpenSSL). */
  readonly clockToleranceMs?: number;
}

const sec = (ms: number): Date => new Date(Math.floor(ms / 1000) * 1000);

function encodeCertStatus(r: OcspSingleResponseInput): asn1js.BaseBlock {
  // RFC 6960 §4.2.1: CertStatus ::= CHOICE { good [0] IMPLICIT NULL, revoked [1] IMPLICIT RevokedInfo, unknown [2] IMPLICIT NULL }
  if (r.status === 'good' || r.status === 'unknown') {
    return new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: r.status === 'good' ? 0 : 2 } });
  }
  if (r.status !== 'revoked') throw new TypeError(`unknown OCSP status ${String(r.status)}`);
  if (typeof r.revocationTime !== 'number') throw new TypeError('a revoked status needs revocationTime (epoch ms)');
  const value: asn1js.BaseBlock[] = [new asn1js.GeneralizedTime({ valueDate: sec(r.revocationTime) })];
  if (r.revocationReason !== undefined) {
    const code = REVOCATION_REASONS.indexOf(r.revocationReason);
    if (code < 0) throw new TypeError(`unknown revocation reason ${r.revocationReason}`);
    value.push(new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [new asn1js.Enumerated({ value: code })] }));
  }
  return new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 1 }, value });
}

function decodeCertStatus(s: asn1js.BaseBlock): Pick<OcspSingleResponse, 'status' | 'revocationTime' | 'revocationReason'> {
  const tag = s.idBlock.tagNumber;
  if (s.idBlock.tagClass !== 3) throw new Error('bad certStatus');
  if (tag === 0) return { status: 'good' };
  if (tag === 2) return { status: 'unknown' };
  if (tag !== 1 || !(s instanceof asn1js.Constructed)) throw new Error('bad certStatus');
  const [time, reason] = s.valueBlock.value;
  if (!(time instanceof asn1js.GeneralizedTime)) throw new Error('bad revocationTime');
  const out: { status: 'revoked'; revocationTime: number; revocationReason?: RevocationReason } = {
    status: 'revoked',
    revocationTime: time.toDate().getTime(),
  };
  if (reason instanceof asn1js.Constructed) {
    const e = reason.valueBlock.value[0];
    const name = e instanceof asn1js.Enumerated ? REVOCATION_REASONS[e.valueBlock.valueDec] : undefined;
    if (name) out.revocationReason = name;
  }
  return out;
}

/**
 * Builds and signs a successful DER OCSPResponse (RFC 6960 §4.2.1, id-pkix-ocsp-basic) with responderID
 * byKey, the nonce echoed, and `certificates` included (so a delegated responder can be verified).
 *
 * @example
 * ```ts
 * import { parseOcspRequest, buildOcspResponse } from '@tonle/pki';
 * const req = parseOcspRequest(body);
 * const der = buildOcspResponse({
 *   responderCertificate: responderCert, privateKey: responderKey, producedAt: clock.now(),
 *   responses: req.certIds.map((certId) => ({ certId, status: 'good', thisUpdate: clock.now(), nextUpdate: clock.now() + 3_600_000 })),
 *   ...(req.nonce ? { nonce: req.nonce } : {}), certificates: [responderCert],
 * });
 * ```
 */
export function buildOcspResponse(options: BuildOcspResponseOptions): Uint8Array {
  if (options.privateKey?.type !== 'private') throw new TypeError('buildOcspResponse: privateKey must be a private KeyObject');
  if (!Array.isArray(options.responses) || options.responses.length === 0) {
    throw new TypeError('buildOcspResponse: give at least one response');
  }
  const responder = parseCertificateInternal(options.responderCertificate);
  const responses = options.responses.map((r) => {
    const single = new pkijs.SingleResponse({
      certID: certIdToPkijs(r.certId),
      certStatus: encodeCertStatus(r),
      thisUpdate: sec(r.thisUpdate),
      ...(r.nextUpdate === undefined ? {} : { nextUpdate: sec(r.nextUpdate) }),
    });
    return single;
  });
  const tbs = new pkijs.ResponseData({
    // RFC 6960 §4.2.2.3: byKey = SHA-1 of the responder's subjectPublicKey BIT STRING contents.
    responderID: new asn1js.OctetString({ valueHex: digest('SHA-1', responder.publicKeyBits) }),
    producedAt: sec(options.producedAt),
    responses,
    ...(options.nonce ? { responseExtensions: [nonceExtension(options.nonce)] } : {}),
  });
  const tbsBytes = new Uint8Array(tbs.toSchema(true).toBER(false));
  // Pin the exact signed bytes, so toSchema() re-emits them rather than a re-encoding.
  tbs.tbsView = tbsBytes;
  const { algorithm, signature } = signX509(options.privateKey, tbsBytes);
  const basic = new pkijs.BasicOCSPResponse({
    tbsResponseData: tbs,
    signatureAlgorithm: algorithm,
    signature: new asn1js.BitString({ valueHex: signature }),
    ...(options.certificates && options.certificates.length > 0
      ? { certs: options.certificates.map((c) => parseCertificateInternal(c).pkijs) }
      : {}),
  });
  const ocsp = new pkijs.OCSPResponse({
    responseStatus: new asn1js.Enumerated({ value: 0 }),
    responseBytes: new pkijs.ResponseBytes({
      responseType: OID.ocspBasic,
      response: new asn1js.OctetString({ valueHex: basic.toSchema().toBER(false) }),
    }),
  });
  return new Uint8Array(ocsp.toSchema().toBER(false));
}

/**
 * An unsuccessful OCSPResponse (no responseBytes), RFC 6960 §4.2.1.
 *
 * @example
 * ```ts
 * import { buildOcspErrorResponse } from '@tonle/pki';
 * reply.send(buildOcspErrorResponse('malformedRequest'));
 * ```
 */
export function buildOcspErrorResponse(status: Exclude<OcspResponseStatus, 'successful'>): Uint8Array {
  const code = RESPONSE_STATUS.indexOf(status);
  if (code <= 0) throw new TypeError(`buildOcspErrorResponse: unknown status ${String(status)}`);
  return new Uint8Array(new pkijs.OCSPResponse({ responseStatus: new asn1js.Enumerated({ value: code }) }).toSchema().toBER(false));
}

interface ParsedInternal {
  readonly summary: ParsedOcspResponse;
  readonly basic?: pkijs.BasicOCSPResponse;
}

function parseInternal(der: Uint8Array): ParsedInternal {
  if (!(der instanceof Uint8Array)) throw new TypeError('parseOcspResponse: expected DER bytes');
  return parseGuard('OCSP response', () => {
    const asn = asn1js.fromBER(der);
    if (asn.offset === -1 || asn.offset !== der.byteLength) throw new Error('not a single DER value');
    const res = new pkijs.OCSPResponse({ schema: asn.result });
    const responseStatus = RESPONSE_STATUS[res.responseStatus.valueBlock.valueDec];
    if (responseStatus === undefined) throw new Error('unknown responseStatus');
    if (responseStatus !== 'successful') {
      return { summary: Object.freeze({ responseStatus, responses: [], certificates: [] }) };
    }
    if (!res.responseBytes || res.responseBytes.responseType !== OID.ocspBasic) throw new Error('not a basic OCSP response');
    const inner = res.responseBytes.response.valueBlock.valueHexView;
    const innerAsn = asn1js.fromBER(inner);
    if (innerAsn.offset === -1 || innerAsn.offset !== inner.byteLength) throw new Error('bad BasicOCSPResponse');
    const basic = new pkijs.BasicOCSPResponse({ schema: innerAsn.result });
    const data = basic.tbsResponseData;
    const responses = data.responses.map((r) =>
      Object.freeze({
        certId: certIdFromPkijs(r.certID),
        ...decodeCertStatus(r.certStatus as asn1js.BaseBlock),
        thisUpdate: r.thisUpdate.getTime(),
        ...(r.nextUpdate ? { nextUpdate: r.nextUpdate.getTime() } : {}),
      }),
    );
    const nonce = nonceFromExtensions(data.responseExtensions);
    const certificates = (basic.certs ?? []).map((c) => new Uint8Array(c.toSchema(false).toBER(false)));
    const rid: unknown = data.responderID;
    const responderId =
      rid instanceof pkijs.RelativeDistinguishedNames
        ? { byName: formatDistinguishedName(parseNameForText(rid)) }
        : rid instanceof asn1js.OctetString
          ? { byKey: hex(rid.valueBlock.valueHexView) }
          : undefined;
    if (responderId === undefined) throw new Error('bad responderID');
    const summary: ParsedOcspResponse = Object.freeze({
      responseStatus,
      producedAt: data.producedAt.getTime(),
      responses: Object.freeze(responses),
      ...(nonce ? { nonce } : {}),
      certificates: Object.freeze(certificates),
      responderId,
    });
    return { summary, basic };
  });
}

function parseNameForText(n: pkijs.RelativeDistinguishedNames): { type: string; value: string }[] {
  return n.typesAndValues.map((tv) => ({ type: tv.type, value: String((tv.value as asn1js.BaseStringBlock).valueBlock?.value ?? '') }));
}

/**
 * Parses a DER OCSPResponse without verifying it. Garbage gives `TONLE_ERR_PKI_MALFORMED`.
 *
 * @example
 * ```ts
 * import { parseOcspResponse } from '@tonle/pki';
 * const { responseStatus, responses } = parseOcspResponse(der);
 * ```
 */
export function parseOcspResponse(der: Uint8Array): ParsedOcspResponse {
  return parseInternal(der).summary;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

function findSigner(
  basic: pkijs.BasicOCSPResponse,
  summary: ParsedOcspResponse,
  issuer: ParsedCertificate,
  options: VerifyOcspResponseOptions,
): ParsedCertificate {
  const matchesId = (c: ParsedCertificate): boolean => {
    const id = summary.responderId;
    if (id === undefined) return false;
    if ('byKey' in id) return hex(digest('SHA-1', c.publicKeyBits)) === id.byKey;
    const rid = basic.tbsResponseData.responderID as pkijs.RelativeDistinguishedNames;
    return sameBytes(c.subjectDer, new Uint8Array(rid.toSchema().toBER(false)));
  };
  const tolerance = options.clockToleranceMs ?? 300_000;
  const currentlyValid = (c: ParsedCertificate): boolean =>
    options.at + tolerance >= c.info.notBefore && options.at - tolerance <= c.info.notAfter;
  // RFC 6960 §4.2.2.2: the CA itself ...
  if (matchesId(issuer)) return issuer;
  // ... a responder the relying party trusts locally ...
  for (const t of options.trustedResponders ?? []) {
    const c = parseCertificateInternal(t);
    if (matchesId(c)) {
      if (!currentlyValid(c)) {
        throw new PkiError('TONLE_ERR_PKI_OCSP_UNTRUSTED_RESPONDER', 'the trusted OCSP responder certificate is outside its validity period');
      }
      return c;
    }
  }
  // ... or a delegate the CA issued with id-kp-OCSPSigning.
  for (const der of summary.certificates) {
    const c = parseCertificateInternal(der);
    if (!matchesId(c)) continue;
    if (!sameBytes(c.issuerDer, issuer.subjectDer) || !certificateSignedBy(c, issuer.info.publicKey)) {
      throw new PkiError('TONLE_ERR_PKI_OCSP_UNTRUSTED_RESPONDER', 'the OCSP responder certificate was not issued by the certificate issuer (RFC 6960 §4.2.2.2)');
    }
    if (!c.info.extendedKeyUsage?.includes(OID.ekuOcspSigning)) {
      throw new PkiError('TONLE_ERR_PKI_OCSP_UNTRUSTED_RESPONDER', 'the OCSP responder certificate lacks extended key usage id-kp-OCSPSigning');
    }
    if (!currentlyValid(c)) {
      throw new PkiError('TONLE_ERR_PKI_OCSP_UNTRUSTED_RESPONDER', 'the delegated OCSP responder certificate is outside its validity period');
    }
    return c;
  }
  throw new PkiError(
    'TONLE_ERR_PKI_OCSP_UNTRUSTED_RESPONDER',
    `the OCSP response is signed neither by ${formatDistinguishedName(issuer.info.subject)} nor by a responder it authorised`,
  );
}

/**
 * Verifies an OCSP response for `certificate` (RFC 6960 §3.2): signed by the issuing CA or a delegated
 * responder it issued with EKU id-kp-OCSPSigning (or a locally trusted responder), about this certificate,
 * echoing `nonce` when given, fresh (`at - thisUpdate <= maxAgeMs`, nextUpdate not passed, thisUpdate not
 * in the future). Returns the status; a revoked or unknown status is a result, not an error (see
 * {@link assertOcspGood}).
 *
 * Errors: `TONLE_ERR_PKI_MALFORMED`, `_OCSP_NOT_SUCCESSFUL`, `_OCSP_UNTRUSTED_RESPONDER`, `_BAD_SIGNATURE`,
 * `_OCSP_WRONG_CERT`, `_OCSP_NONCE_MISMATCH`, `_OCSP_STALE`, `_OCSP_NOT_YET_VALID`.
 *
 * @example
 * ```ts
 * import { verifyOcspResponse, assertOcspGood } from '@tonle/pki';
 * const result = verifyOcspResponse({ response, certificate, issuer, at: clock.now(), maxAgeMs: 3_600_000, nonce });
 * assertOcspGood(result);
 * ```
 */
export function verifyOcspResponse(options: VerifyOcspResponseOptions): OcspVerification {
  if (!Number.isFinite(options.at) || !Number.isFinite(options.maxAgeMs) || options.maxAgeMs < 0) {
    throw new TypeError('verifyOcspResponse: at and maxAgeMs must be non-negative milliseconds');
  }
  const cert = parseCertificateInternal(options.certificate);
  const issuer = parseCertificateInternal(options.issuer);
  const { summary, basic } = parseInternal(options.response);
  if (summary.responseStatus !== 'successful' || basic === undefined) {
    throw new PkiError('TONLE_ERR_PKI_OCSP_NOT_SUCCESSFUL', `the OCSP responder answered ${summary.responseStatus}`);
  }
  const signer = findSigner(basic, summary, issuer, options);
  const tbs = new Uint8Array(basic.tbsResponseData.tbsView);
  const sig = new Uint8Array(basic.signature.valueBlock.valueHexView);
  if (!verifyX509(basic.signatureAlgorithm, signer.info.publicKey, tbs, sig)) {
    throw new PkiError('TONLE_ERR_PKI_BAD_SIGNATURE', 'the OCSP response signature does not verify');
  }
  const single = summary.responses.find((r) => {
    const alg = r.certId.hashAlgorithm;
    if (alg !== 'SHA-1' && alg !== 'SHA-256' && alg !== 'SHA-384' && alg !== 'SHA-512') return false;
    return sameCertId(r.certId, certIdFor(cert, issuer, alg as CertIdHashAlgorithm));
  });
  if (!single) {
    throw new PkiError('TONLE_ERR_PKI_OCSP_WRONG_CERT', `the OCSP response is not about certificate serial ${cert.info.serialNumber} of this issuer`);
  }
  if (options.nonce !== undefined && (summary.nonce === undefined || !sameBytes(summary.nonce, options.nonce))) {
    throw new PkiError('TONLE_ERR_PKI_OCSP_NONCE_MISMATCH', 'the OCSP response does not echo the request nonce (replayed or cached answer)');
  }
  const tolerance = options.clockToleranceMs ?? 300_000;
  if (single.thisUpdate > options.at + tolerance) {
    throw new PkiError('TONLE_ERR_PKI_OCSP_NOT_YET_VALID', 'the OCSP response thisUpdate is in the future; check the clocks');
  }
  if (single.nextUpdate !== undefined && options.at > single.nextUpdate + tolerance) {
    throw new PkiError('TONLE_ERR_PKI_OCSP_STALE', 'the OCSP response nextUpdate has passed; fetch a new one');
  }
  if (options.at - single.thisUpdate > options.maxAgeMs) {
    throw new PkiError('TONLE_ERR_PKI_OCSP_STALE', `the OCSP response is older than ${options.maxAgeMs} ms; fetch a new one`);
  }
  return Object.freeze({
    status: single.status,
    thisUpdate: single.thisUpdate,
    ...(single.nextUpdate === undefined ? {} : { nextUpdate: single.nextUpdate }),
    producedAt: summary.producedAt as number,
    ...(single.revocationTime === undefined ? {} : { revocationTime: single.revocationTime }),
    ...(single.revocationReason === undefined ? {} : { revocationReason: single.revocationReason }),
    responderCertificate: signer.info.der,
  });
}

/**
 * Throws unless a verified OCSP status is `good`: `TONLE_ERR_PKI_REVOKED` or `_OCSP_UNKNOWN_CERT`.
 *
 * @example
 * ```ts
 * import { assertOcspGood, verifyOcspResponse } from '@tonle/pki';
 * assertOcspGood(verifyOcspResponse({ response, certificate, issuer, at, maxAgeMs }));
 * ```
 */
export function assertOcspGood(result: Pick<OcspVerification, 'status' | 'revocationTime' | 'revocationReason'>): void {
  if (result.status === 'good') return;
  if (result.status === 'revoked') {
    throw new PkiError(
      'TONLE_ERR_PKI_REVOKED',
      `the certificate was revoked at ${new Date(result.revocationTime ?? 0).toISOString()} (${result.revocationReason ?? 'no reason given'})`,
    );
  }
  throw new PkiError('TONLE_ERR_PKI_OCSP_UNKNOWN_CERT', 'the OCSP responder does not know this certificate');
}
