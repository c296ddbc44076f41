import { randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { parseGuard } from '../errors/index.ts';
import { parseCertificateInternal } from '../certificates/index.ts';
import { OID } from '../keys/index.ts';
import { certIdFor, certIdFromPkijs, certIdToPkijs, type CertIdHashAlgorithm, type OcspCertId } from './cert-id.ts';

/**
 * Inputs of {@link buildOcspRequest}.
 *
 * @example
 * ```ts
 * const options: BuildOcspRequestOptions = { certificate, issuer, nonce: true };
 * const { der, nonce } = buildOcspRequest(options);
 * ```
 */
export interface BuildOcspRequestOptions {
  /** The certificate whose status is asked (DER or PEM). */
  readonly certificate: Uint8Array | string;
  /** Its issuer's certificate. */
  readonly issuer: Uint8Array | string;
  /** A nonce (RFC 8954: 1-32 bytes), or `true` for 32 random bytes. Omit for none (cacheable, RFC 5019). */
  readonly nonce?: Uint8Array | true;
  /** CertID hash; default SHA-1, which every responder understands (RFC 5019 §2.1.1). */
  readonly hashAlgorithm?: CertIdHashAlgorithm;
}

/**
 * A built OCSP request and the nonce it carries (pass it to `verifyOcspResponse`).
 *
 * @example
 * ```ts
 * const { der, certId, nonce }: BuiltOcspRequest = buildOcspRequest({ certificate, issuer, nonce: true });
 * ```
 */
export interface BuiltOcspRequest {
  readonly der: Uint8Array;
  readonly certId: OcspCertId;
  readonly nonce?: Uint8Array;
}

/**
 * A parsed OCSP request (what a responder needs).
 *
 * @example
 * ```ts
 * const { certIds, nonce }: ParsedOcspRequest = parseOcspRequest(body);
 * ```
 */
export interface ParsedOcspRequest {
  readonly certIds: readonly OcspCertId[];
  /** The nonce extension's value (the OCTET STRING contents, RFC 8954 §2.1). */
  readonly nonce?: Uint8Array;
}

/** RFC 8954 §2.1: the nonce extension value is a DER OCTET STRING holding the nonce. */
export function nonceExtension(nonce: Uint8Array): pkijs.Extension {
  return new pkijs.Extension({
    extnID: OID.ocspNonce,
    critical: false,
    extnValue: new asn1js.OctetString({ valueHex: nonce }).toBER(false),
  });
}

/** The nonce carried in an extension list, unwrapping the OCTET STRING (older clients sent it bare). */
export function nonceFromExtensions(extensions: readonly pkijs.Extension[] | undefined): Uint8Array | undefined {
  const ext = extensions?.find((e) => e.extnID === OID.ocspNonce);
  if (!ext) return undefined;
  const raw = new Uint8Array(ext.extnValue.valueBlock.valueHexView);
  const inner = asn1js.fromBER(raw);
  if (inner.offset === raw.byteLength && inner.result instanceof asn1js.OctetString) {
    return new Uint8Array(inner.result.valueBlock.valueHexView);
  }
  return raw;
}

/**
 * Builds a DER OCSPRequest (RFC 6960 §4.1) for one certificate, optionally with a nonce.
 *
 * @example
 * ```ts
 * import { buildOcspRequest } from '@tonle/pki';
 * const { der, nonce } = buildOcspRequest({ certificate: signCert, issuer: caCert, nonce: true });
 * const res = await fetch(ocspUrl, { method: 'POST', body: der, headers: { 'content-type': 'application/ocsp-request' } });
 * ```
 */
export function buildOcspRequest(options: BuildOcspRequestOptions): BuiltOcspRequest {
  const cert = parseCertificateInternal(options.certificate);
  const issuer = parseCertificateInternal(options.issuer);
  const certId = certIdFor(cert, issuer, options.hashAlgorithm ?? 'SHA-1');
  let nonce: Uint8Array | undefined;
  if (options.nonce === true) nonce = new Uint8Array(randomBytes(32));
  else if (options.nonce !== undefined) {
    if (!(options.nonce instanceof Uint8Array) || options.nonce.length < 1 || options.nonce.length > 32) {
      throw new TypeError('buildOcspRequest: nonce must be 1-32 bytes (RFC 8954) or true');
    }
    nonce = options.nonce;
  }
  const tbsRequest = new pkijs.TBSRequest({
    requestList: [new pkijs.Request({ reqCert: certIdToPkijs(certId) })],
    ...(nonce ? { requestExtensions: [nonceExtension(nonce)] } : {}),
  });
  const req = new pkijs.OCSPRequest({ tbsRequest });
  const der = new Uint8Array(req.toSchema(true).toBER(false));
  return Object.freeze(nonce ? { der, certId, nonce } : { der, certId });
}

/**
 * Parses a DER OCSPRequest. Garbage gives `TONLE_ERR_PKI_MALFORMED` (answer `malformedRequest`).
 * Signed requests are accepted but their signature is not checked (RFC 6960 §4.1.2: optional).
 *
 * @example
 * ```ts
 * import { parseOcspRequest } from '@tonle/pki';
 * const { certIds, nonce } = parseOcspRequest(body);
 * ```
 */
export function parseOcspRequest(der: Uint8Array): ParsedOcspRequest {
  if (!(der instanceof Uint8Array)) throw new TypeError('parseOcspRequest: expected DER bytes');
  return parseGuard('OCSP request', () => {
    const asn = asn1js.fromBER(der);
    if (asn.offset === -1 || asn.offset !== der.byteLength) throw new Error('not a single DER value');
    const req = new pkijs.OCSPRequest({ schema: asn.result });
    const certIds = Object.freeze(req.tbsRequest.requestList.map((r) => certIdFromPkijs(r.reqCert)));
    const nonce = nonceFromExtensions(req.tbsRequest.requestExtensions);
    return Object.freeze(nonce ? { certIds, nonce } : { certIds });
  });
}
