import { createHash, createPublicKey, X509Certificate as NodeX509, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { PkiError, parseGuard } from '../errors/index.ts';
import { toDer } from '../pem/index.ts';
import { fromPkijsName, nameDer, type DistinguishedName } from './names.ts';

/**
 * Key usage bits of RFC 5280 §4.2.1.3, by name.
 *
 * @example
 * ```ts
 * validateCertificatePath({ certificate, trustAnchors, at, requiredKeyUsage: ['nonRepudiation'] satisfies KeyUsage[] });
 * ```
 */
export type KeyUsage =
  | 'digitalSignature'
  | 'nonRepudiation'
  | 'keyEncipherment'
  | 'dataEncipherment'
  | 'keyAgreement'
  | 'keyCertSign'
  | 'cRLSign'
  | 'encipherOnly'
  | 'decipherOnly';

/**
 * RFC 5280 §4.2.1.3 bit order.
 *
 * @example
 * ```ts
 * KEY_USAGE_BITS[0]; // 'digitalSignature' (bit 0 of RFC 5280 §4.2.1.3)
 * ```
 */
export const KEY_USAGE_BITS: readonly KeyUsage[] = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
];

/**
 * What Tonle needs to know about a certificate, read once from its DER.
 *
 * @example
 * ```ts
 * const info: CertificateInfo = parseCertificate(der);
 * if (info.notAfter < clock.now()) renew();
 * ```
 */
export interface CertificateInfo {
  /** The exact DER the information was read from. */
  readonly der: Uint8Array;
  readonly subject: DistinguishedName;
  readonly issuer: DistinguishedName;
  /** Serial number, lower-case hex without leading zero bytes. */
  readonly serialNumber: string;
  /** Validity in epoch milliseconds. */
  readonly notBefore: number;
  readonly notAfter: number;
  readonly publicKey: KeyObject;
  /** DER SubjectPublicKeyInfo. */
  readonly spki: Uint8Array;
  /** Key usage bits, or undefined when the certificate has no keyUsage extension. */
  readonly keyUsage?: readonly KeyUsage[];
  /** Extended key usage OIDs, or undefined when there is no extKeyUsage extension. */
  readonly extendedKeyUsage?: readonly string[];
  /** Basic constraints, or undefined when absent (then the certificate is not a CA). */
  readonly basicConstraints?: { readonly ca: boolean; readonly pathLength?: number };
  /** OCSP responder URLs from the Authority Information Access extension. */
  readonly ocspUrls: readonly string[];
  readonly subjectKeyIdentifier?: string;
  readonly authorityKeyIdentifier?: string;
  /** SHA-256 of the DER, lower-case hex: the `authCertHash` of global configuration. */
  readonly sha256: string;
  /** SHA-1 of the DER, lower-case hex (X-Road's OCSP fetch uses it). */
  readonly sha1: string;
  /** Critical extensions this package does not interpret (RFC 5280 §4.2: a verifier must reject them). */
  readonly unknownCriticalExtensions: readonly string[];
}

/** Internal: the parsed pkijs object next to the summary, for modules that need raw fields. */
export interface ParsedCertificate {
  readonly info: CertificateInfo;
  readonly pkijs: pkijs.Certificate;
  readonly subjectDer: Uint8Array;
  readonly issuerDer: Uint8Array;
  /** The subjectPublicKey BIT STRING contents (OCSP issuerKeyHash, SKI method 1). */
  readonly publicKeyBits: Uint8Array;
}

const KNOWN_EXTENSIONS = new Set([
  '2.5.29.15', // keyUsage
  '2.5.29.19', // basicConstraints
  '2.5.29.37', // extKeyUsage
  '2.5.29.14', // subjectKeyIdentifier
  '2.5.29.35', // authorityKeyIdentifier
  '1.3.6.1.5.5.7.1.1', // authorityInfoAccess
  '2.5.29.17', // subjectAltName
  '2.5.29.32', // certificatePolicies (accepted, not enforced)
  '1.3.6.1.5.5.7.48.1.5', // id-pkix-ocsp-nocheck
]);

/** Lower-case hex without leading zero bytes: one canonical form of a serial number. */
export function serialHex(bytes: Uint8Array): string {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  return Buffer.from(bytes.subarray(i)).toString('hex');
}

export function hex(bytes: Uint8Array | ArrayBuffer): string {
  return Buffer.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)).toString('hex');
}

function decodeKeyUsage(bits: asn1js.BitString): KeyUsage[] {
  const bytes = bits.valueBlock.valueHexView;
  const out: KeyUsage[] = [];
  KEY_USAGE_BITS.forEach((name, i) => {
    const byte = bytes[i >> 3] ?? 0;
    if (byte & (0x80 >> (i & 7))) out.push(name);
  });
  return out;
}

/** Internal parse that keeps the pkijs object; every failure is a `PkiError`. */
export function parseCertificateInternal(input: Uint8Array | string): ParsedCertificate {
  const der = toDer(input, 'CERTIFICATE');
  return parseGuard('certificate', () => {
    const asn = asn1js.fromBER(der);
    if (asn.offset === -1 || asn.offset !== der.byteLength) throw new Error('not a single DER value');
    const cert = new pkijs.Certificate({ schema: asn.result });
    const spki = new Uint8Array(cert.subjectPublicKeyInfo.toSchema().toBER(false));
    let publicKey: KeyObject;
    try {
      publicKey = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    } catch (e) {
      throw new PkiError('TONLE_ERR_PKI_UNSUPPORTED_ALGORITHM', 'certificate public key type is not supported', { cause: e });
    }
    let keyUsage: KeyUsage[] | undefined;
    let extendedKeyUsage: string[] | undefined;
    let basicConstraints: { ca: boolean; pathLength?: number } | undefined;
    const ocspUrls: string[] = [];
    let subjectKeyIdentifier: string | undefined;
    let authorityKeyIdentifier: string | undefined;
    const unknownCriticalExtensions: string[] = [];
    for (const ext of cert.extensions ?? []) {
      const v: unknown = ext.parsedValue;
      switch (ext.extnID) {
        case '2.5.29.15':
          if (!(v instanceof asn1js.BitString)) throw new Error('bad keyUsage');
          keyUsage = decodeKeyUsage(v);
          break;
        case '2.5.29.19': {
          if (!(v instanceof pkijs.BasicConstraints)) throw new Error('bad basicConstraints');
          const pl = v.pathLenConstraint;
          const pathLength = pl === undefined ? undefined : typeof pl === 'number' ? pl : pl.valueBlock.valueDec;
          basicConstraints = pathLength === undefined ? { ca: v.cA } : { ca: v.cA, pathLength };
          break;
        }
        case '2.5.29.37':
          if (!(v instanceof pkijs.ExtKeyUsage)) throw new Error('bad extKeyUsage');
          extendedKeyUsage = [...v.keyPurposes];
          break;
        case '2.5.29.14':
          if (!(v instanceof asn1js.OctetString)) throw new Error('bad subjectKeyIdentifier');
          subjectKeyIdentifier = hex(v.valueBlock.valueHexView);
          break;
        case '2.5.29.35':
          if (!(v instanceof pkijs.AuthorityKeyIdentifier)) throw new Error('bad authorityKeyIdentifier');
          if (v.keyIdentifier) authorityKeyIdentifier = hex(v.keyIdentifier.valueBlock.valueHexView);
          break;
        case '1.3.6.1.5.5.7.1.1':
          if (!(v instanceof pkijs.InfoAccess)) throw new Error('bad authorityInfoAccess');
          for (const ad of v.accessDescriptions) {
            // RFC 5280 §4.2.2.1: id-ad-ocsp with a uniformResourceIdentifier (GeneralName tag 6).
            if (ad.accessMethod === '1.3.6.1.5.5.7.48.1' && ad.accessLocation.type === 6) {
              ocspUrls.push(String(ad.accessLocation.value));
            }
          }
          break;
        default:
          if (ext.critical && !KNOWN_EXTENSIONS.has(ext.extnID)) unknownCriticalExtensions.push(ext.extnID);
      }
    }
    const info: CertificateInfo = Object.freeze({
      der,
      subject: Object.freeze(fromPkijsName(cert.subject)),
      issuer: Object.freeze(fromPkijsName(cert.issuer)),
      serialNumber: serialHex(cert.serialNumber.valueBlock.valueHexView),
      notBefore: cert.notBefore.value.getTime(),
      notAfter: cert.notAfter.value.getTime(),
      publicKey,
      spki,
      ...(keyUsage ? { keyUsage: Object.freeze(keyUsage) } : {}),
      ...(extendedKeyUsage ? { extendedKeyUsage: Object.freeze(extendedKeyUsage) } : {}),
      ...(basicConstraints ? { basicConstraints: Object.freeze(basicConstraints) } : {}),
      ocspUrls: Object.freeze(ocspUrls),
      ...(subjectKeyIdentifier ? { subjectKeyIdentifier } : {}),
      ...(authorityKeyIdentifier ? { authorityKeyIdentifier } : {}),
      sha256: createHash('sha256').update(der).digest('hex'),
      sha1: createHash('sha1').update(der).digest('hex'),
      unknownCriticalExtensions: Object.freeze(unknownCriticalExtensions),
    });
    return {
      info,
      pkijs: cert,
      subjectDer: nameDer(cert.subject),
      issuerDer: nameDer(cert.issuer),
      publicKeyBits: new Uint8Array(cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView),
    };
  });
}

/**
 * Parses a certificate from DER bytes or PEM text into a frozen summary. Anything that is not a
 * well-formed X.509 certificate fails with `TONLE_ERR_PKI_MALFORMED`.
 *
 * @example
 * ```ts
 * import { parseCertificate } from '@tonle/pki';
 * const cert = parseCertificate(der);
 * console.log(cert.subject, cert.serialNumber, new Date(cert.notAfter), cert.sha256);
 * ```
 */
export function parseCertificate(input: Uint8Array | string): CertificateInfo {
  return parseCertificateInternal(input).info;
}

/** True when `issuer`'s key made the signature on `cert` (OpenSSL X509_verify via node:crypto). */
export function certificateSignedBy(cert: ParsedCertificate, issuerKey: KeyObject): boolean {
  try {
    return new NodeX509(Buffer.from(cert.info.der)).verify(issuerKey);
  } catch {
    return false;
  }
}
