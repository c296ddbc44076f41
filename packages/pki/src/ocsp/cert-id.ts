import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { hex, parseCertificateInternal, serialHex, type ParsedCertificate } from '../certificates/index.ts';
import { OID, algorithmIdentifier, digest, hashFromOid, hashOid, type HashAlgorithm } from '../keys/index.ts';

/**
 * The hash algorithms a CertID may use; SHA-1 because `openssl ocsp` and most clients send it (RFC 6960 §4.1.1).
 *
 * @example
 * ```ts
 * buildOcspRequest({ certificate, issuer, hashAlgorithm: 'SHA-256' satisfies CertIdHashAlgorithm });
 * ```
 */
export type CertIdHashAlgorithm = 'SHA-1' | HashAlgorithm;

/**
 * An OCSP CertID (RFC 6960 §4.1.1): which certificate of which issuer a request or response is about.
 * Hashes and serial are lower-case hex; the serial has no leading zero bytes (as in `parseCertificate`).
 *
 * @example
 * ```ts
 * const [certId]: readonly OcspCertId[] = parseOcspRequest(body).certIds;
 * const known = await store.get(certId.serialNumber);
 * ```
 */
export interface OcspCertId {
  /** `'SHA-1'`, `'SHA-256'`, `'SHA-384'`, `'SHA-512'`, or the dotted OID of an algorithm we do not support. */
  readonly hashAlgorithm: CertIdHashAlgorithm | string;
  readonly issuerNameHash: string;
  readonly issuerKeyHash: string;
  readonly serialNumber: string;
}

export function certIdHashFromOid(oid: string): CertIdHashAlgorithm | string {
  return oid === OID.sha1 ? 'SHA-1' : (hashFromOid(oid) ?? oid);
}

function supportedHash(name: string): CertIdHashAlgorithm | undefined {
  return name === 'SHA-1' || name === 'SHA-256' || name === 'SHA-384' || name === 'SHA-512' ? name : undefined;
}

export function certIdFromPkijs(id: pkijs.CertID): OcspCertId {
  return Object.freeze({
    hashAlgorithm: certIdHashFromOid(id.hashAlgorithm.algorithmId),
    issuerNameHash: hex(id.issuerNameHash.valueBlock.valueHexView),
    issuerKeyHash: hex(id.issuerKeyHash.valueBlock.valueHexView),
    serialNumber: serialHex(id.serialNumber.valueBlock.valueHexView),
  });
}

/** A positive DER INTEGER from canonical serial hex. */
export function serialInteger(serial: string): asn1js.Integer {
  if (!/^[0-9a-f]+$/i.test(serial)) throw new TypeError(`serial number "${serial}" is not hex`);
  const h = serial.length % 2 ? `0${serial}` : serial;
  let bytes = new Uint8Array(Buffer.from(h, 'hex'));
  if ((bytes[0] ?? 0) & 0x80) bytes = new Uint8Array([0, ...bytes]);
  return new asn1js.Integer({ valueHex: bytes });
}

export function certIdToPkijs(id: OcspCertId): pkijs.CertID {
  const alg = supportedHash(id.hashAlgorithm);
  if (alg === undefined) throw new TypeError(`CertID hash algorithm ${id.hashAlgorithm} is not supported`);
  return new pkijs.CertID({
    // RFC 6960 §4.1.1 / RFC 5754 §2: hash AlgorithmIdentifiers are sent with NULL parameters by OpenSSL.
    hashAlgorithm: algorithmIdentifier(alg === 'SHA-1' ? OID.sha1 : hashOid(alg), true),
    issuerNameHash: new asn1js.OctetString({ valueHex: Buffer.from(id.issuerNameHash, 'hex') }),
    issuerKeyHash: new asn1js.OctetString({ valueHex: Buffer.from(id.issuerKeyHash, 'hex') }),
    serialNumber: serialInteger(id.serialNumber),
  });
}

/** The CertID of `certificate` under `issuer` with the given hash algorithm. */
export function certIdFor(certificate: ParsedCertificate, issuer: ParsedCertificate, hashAlgorithm: CertIdHashAlgorithm): OcspCertId {
  return Object.freeze({
    hashAlgorithm,
    issuerNameHash: hex(digest(hashAlgorithm, issuer.subjectDer)),
    issuerKeyHash: hex(digest(hashAlgorithm, issuer.publicKeyBits)),
    serialNumber: certificate.info.serialNumber,
  });
}

/**
 * True when a CertID names `issuerCertificate` as its issuer (issuerNameHash and issuerKeyHash computed
 * with the CertID's own hash algorithm, RFC 6960 §4.1.1). An unsupported hash algorithm gives false, so a
 * responder answers `unauthorized` (RFC 6960 §2.3).
 *
 * @example
 * ```ts
 * import { parseOcspRequest, certIdMatchesIssuer } from '@tonle/pki';
 * const req = parseOcspRequest(body);
 * if (!req.certIds.every((id) => certIdMatchesIssuer(id, caCertDer))) return buildOcspErrorResponse('unauthorized');
 * ```
 */
export function certIdMatchesIssuer(certId: OcspCertId, issuerCertificate: Uint8Array | string): boolean {
  const alg = supportedHash(certId.hashAlgorithm);
  if (alg === undefined) return false;
  const issuer = parseCertificateInternal(issuerCertificate);
  return (
    hex(digest(alg, issuer.subjectDer)) === certId.issuerNameHash.toLowerCase() &&
    hex(digest(alg, issuer.publicKeyBits)) === certId.issuerKeyHash.toLowerCase()
  );
}

export function sameCertId(a: OcspCertId, b: OcspCertId): boolean {
  return (
    a.hashAlgorithm === b.hashAlgorithm &&
    a.issuerNameHash.toLowerCase() === b.issuerNameHash.toLowerCase() &&
    a.issuerKeyHash.toLowerCase() === b.issuerKeyHash.toLowerCase() &&
    a.serialNumber.toLowerCase() === b.serialNumber.toLowerCase()
  );
}
