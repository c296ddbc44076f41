import { createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { parseGuard } from '../errors/index.ts';
import { OID, algorithmIdentifier, digest, exportSpki, schemeForKey, signX509 } from '../keys/index.ts';
import { assertDistinguishedName, toPkijsName, type DistinguishedName } from './names.ts';
import { KEY_USAGE_BITS, parseCertificateInternal, type KeyUsage } from './parse-certificate.ts';

/**
 * What to put into a certificate; see {@link issueCertificate}.
 *
 * @example
 * ```ts
 * const options: IssueCertificateOptions = { publicKey, subject, signingKey: caKey, issuerCertificate: caCert, notBefore, notAfter, keyUsage: ['nonRepudiation'] };
 * const der = await issueCertificate(options);
 * ```
 */
export interface IssueCertificateOptions {
  /** The subject's public key (KeyObject, or DER SubjectPublicKeyInfo, e.g. from a CSR). */
  readonly publicKey: KeyObject | Uint8Array;
  readonly subject: DistinguishedName;
  /** The issuer's private key (for a self-signed certificate: the subject's own key). */
  readonly signingKey: KeyObject;
  /** The issuer's certificate (DER); omit for a self-signed root. */
  readonly issuerCertificate?: Uint8Array;
  /** Serial number: a positive bigint, or hex. Omit for 16 random bytes (CA/B BR §7.1: >= 64 bits of entropy). */
  readonly serialNumber?: bigint | string;
  /** Validity in epoch milliseconds. */
  readonly notBefore: number;
  readonly notAfter: number;
  readonly keyUsage?: readonly KeyUsage[];
  /** Extended key usages, by name (`'ocspSigning'`, `'timeStamping'`, ...) or OID. */
  readonly extendedKeyUsage?: readonly (ExtendedKeyUsageName | string)[];
  /**
   * Marks the extended key usage extension critical. Default: critical when it lists timeStamping
   * (RFC 3161 §2.3 requires that for a TSA certificate, and `openssl ts -verify` checks it).
   */
  readonly extendedKeyUsageCritical?: boolean;
  readonly basicConstraints?: { readonly ca: boolean; readonly pathLength?: number };
  /** OCSP responder URLs for the Authority Information Access extension. */
  readonly ocspUrls?: readonly string[];
  /** DNS names for subjectAltName (server authentication certificates). */
  readonly dnsNames?: readonly string[];
  /** Adds id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1) to a delegated OCSP responder certificate. */
  readonly ocspNoCheck?: boolean;
}

/**
 * Extended key usages by name (RFC 5280 §4.2.1.12).
 *
 * @example
 * ```ts
 * await issueCertificate({ ...base, extendedKeyUsage: ['ocspSigning'] satisfies ExtendedKeyUsageName[] });
 * ```
 */
export type ExtendedKeyUsageName = 'serverAuth' | 'clientAuth' | 'codeSigning' | 'emailProtection' | 'timeStamping' | 'ocspSigning';

const EKU_OIDS: Readonly<Record<ExtendedKeyUsageName, string>> = {
  serverAuth: OID.ekuServerAuth,
  clientAuth: OID.ekuClientAuth,
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  timeStamping: OID.ekuTimeStamping,
  ocspSigning: OID.ekuOcspSigning,
};

function ekuOid(usage: string): string {
  const oid = (EKU_OIDS as Record<string, string>)[usage] ?? (/^\d+(\.\d+)+$/.test(usage) ? usage : undefined);
  if (oid === undefined) throw new TypeError(`unknown extended key usage "${usage}"; use ${Object.keys(EKU_OIDS).join(', ')} or an OID`);
  return oid;
}

function serialBytes(serial: bigint | string | undefined): Uint8Array {
  if (serial === undefined) {
    const b = randomBytes(16);
    b[0] = (b[0] ?? 0) & 0x7f; // positive INTEGER (RFC 5280 §4.1.2.2)
    if (b[0] === 0) b[0] = 0x01;
    return new Uint8Array(b);
  }
  let h = typeof serial === 'bigint' ? serial.toString(16) : serial.toLowerCase();
  if (typeof serial === 'bigint' && serial <= 0n) throw new TypeError('issueCertificate: serialNumber must be positive');
  if (!/^[0-9a-f]+$/.test(h) || /^0+$/.test(h)) throw new TypeError('issueCertificate: serialNumber must be positive hex');
  if (h.length % 2) h = `0${h}`;
  let bytes = new Uint8Array(Buffer.from(h, 'hex'));
  if ((bytes[0] ?? 0) & 0x80) bytes = new Uint8Array([0, ...bytes]);
  if (bytes.length > 20) throw new TypeError('issueCertificate: serialNumber longer than 20 octets (RFC 5280 §4.1.2.2)');
  return bytes;
}

function time(ms: number): pkijs.Time {
  // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
  const value = new Date(Math.floor(ms / 1000) * 1000);
  return new pkijs.Time({ type: value.getUTCFullYear() < 2050 ? 0 : 1, value });
}

function keyUsageBits(usages: readonly KeyUsage[]): asn1js.BitString {
  const bytes = new Uint8Array(2);
  let last = -1;
  for (const u of usages) {
    const i = KEY_USAGE_BITS.indexOf(u);
    if (i < 0) throw new TypeError(`unknown key usage ${String(u)}`);
    bytes[i >> 3] = (bytes[i >> 3] ?? 0) | (0x80 >> (i & 7));
    last = Math.max(last, i);
  }
  if (last < 0) throw new TypeError('keyUsage must name at least one usage');
  // DER (X.690 §11.2.2): no trailing zero bits in a named bit list.
  const len = (last >> 3) + 1;
  return new asn1js.BitString({ valueHex: bytes.slice(0, len), unusedBits: 7 - (last & 7) });
}

function extension(extnID: string, critical: boolean, value: { toSchema(): asn1js.AsnType } | asn1js.AsnType): pkijs.Extension {
  const schema = 'toSchema' in value ? value.toSchema() : value;
  return new pkijs.Extension({ extnID, critical, extnValue: schema.toBER(false) });
}

/**
 * Builds and signs an X.509 v3 certificate: the CA service's issuance primitive. Signs with
 * node:crypto (RSA PKCS#1 v1.5 SHA-256, ECDSA P-256/SHA-256, P-384/SHA-384, Ed25519 by issuer key type).
 * The SKI is the SHA-1 of the subject public key (RFC 5280 §4.2.1.2 method 1), the AKI the issuer's SKI.
 *
 * @example
 * ```ts
 * import { issueCertificate, OID } from '@tonle/pki';
 * const der = await issueCertificate({
 *   publicKey: csr.publicKey, subject: csr.subject,
 *   signingKey: caKey, issuerCertificate: caCertDer,
 *   notBefore: clock.now(), notAfter: clock.now() + 365 * 86_400_000,
 *   keyUsage: ['nonRepudiation'], basicConstraints: { ca: false },
 *   ocspUrls: ['http://ocsp.example.org/'],
 * });
 * ```
 */
export async function issueCertificate(options: IssueCertificateOptions): Promise<Uint8Array> {
  assertDistinguishedName(options.subject, 'issueCertificate subject');
  if (!Number.isFinite(options.notBefore) || !Number.isFinite(options.notAfter) || options.notAfter <= options.notBefore) {
    throw new TypeError('issueCertificate: notBefore and notAfter must be epoch ms with notAfter > notBefore');
  }
  if (options.signingKey?.type !== 'private') throw new TypeError('issueCertificate: signingKey must be a private KeyObject');
  const spki =
    options.publicKey instanceof Uint8Array
      ? parseGuard('public key', () => exportSpki(createPublicKey({ key: Buffer.from(options.publicKey as Uint8Array), format: 'der', type: 'spki' })))
      : exportSpki(options.publicKey);
  const spkiAsn = asn1js.fromBER(spki);
  const publicKeyInfo = new pkijs.PublicKeyInfo({ schema: spkiAsn.result });
  const ski = digest('SHA-1', new Uint8Array(publicKeyInfo.subjectPublicKey.valueBlock.valueHexView));

  const issuer = options.issuerCertificate === undefined ? undefined : parseCertificateInternal(options.issuerCertificate);
  if (issuer) {
    const issuerKey = createPublicKey(options.signingKey);
    if (!Buffer.from(exportSpki(issuerKey)).equals(Buffer.from(issuer.info.spki))) {
      throw new TypeError('issueCertificate: signingKey does not belong to issuerCertificate');
    }
  } else if (!Buffer.from(exportSpki(options.signingKey)).equals(Buffer.from(spki))) {
    throw new TypeError('issueCertificate: a self-signed certificate must be signed with its own key (or pass issuerCertificate)');
  }
  const akiBytes = issuer
    ? issuer.info.subjectKeyIdentifier !== undefined
      ? new Uint8Array(Buffer.from(issuer.info.subjectKeyIdentifier, 'hex'))
      : digest('SHA-1', issuer.publicKeyBits)
    : ski;

  const extensions: pkijs.Extension[] = [];
  if (options.basicConstraints) {
    const bc = options.basicConstraints;
    extensions.push(
      extension(
        '2.5.29.19',
        true,
        new pkijs.BasicConstraints(bc.pathLength === undefined ? { cA: bc.ca } : { cA: bc.ca, pathLenConstraint: bc.pathLength }),
      ),
    );
  }
  if (options.keyUsage) extensions.push(extension('2.5.29.15', true, keyUsageBits(options.keyUsage)));
  if (options.extendedKeyUsage && options.extendedKeyUsage.length > 0) {
    const purposes = options.extendedKeyUsage.map(ekuOid);
    const critical = options.extendedKeyUsageCritical ?? purposes.includes(OID.ekuTimeStamping);
    extensions.push(extension('2.5.29.37', critical, new pkijs.ExtKeyUsage({ keyPurposes: purposes })));
  }
  extensions.push(extension('2.5.29.14', false, new asn1js.OctetString({ valueHex: ski })));
  extensions.push(
    extension('2.5.29.35', false, new pkijs.AuthorityKeyIdentifier({ keyIdentifier: new asn1js.OctetString({ valueHex: akiBytes }) })),
  );
  if (options.ocspUrls && options.ocspUrls.length > 0) {
    extensions.push(
      extension(
        '1.3.6.1.5.5.7.1.1',
        false,
        new pkijs.InfoAccess({
          accessDescriptions: options.ocspUrls.map(
            (url) =>
              new pkijs.AccessDescription({
                accessMethod: '1.3.6.1.5.5.7.48.1',
                accessLocation: new pkijs.GeneralName({ type: 6, value: url }),
              }),
          ),
        }),
      ),
    );
  }
  if (options.dnsNames && options.dnsNames.length > 0) {
    extensions.push(
      extension('2.5.29.17', false, new pkijs.AltName({ altNames: options.dnsNames.map((d) => new pkijs.GeneralName({ type: 2, value: d })) })),
    );
  }
  if (options.ocspNoCheck) extensions.push(extension('1.3.6.1.5.5.7.48.1.5', false, new asn1js.Null()));

  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({ valueHex: serialBytes(options.serialNumber) });
  cert.issuer = issuer ? issuer.pkijs.subject : toPkijsName(options.subject);
  cert.subject = toPkijsName(options.subject);
  cert.notBefore = time(options.notBefore);
  cert.notAfter = time(options.notAfter);
  cert.subjectPublicKeyInfo = publicKeyInfo;
  cert.extensions = extensions;
  // The AlgorithmIdentifier must be in the TBS before it is signed (RFC 5280 §4.1.2.3).
  const scheme = schemeForKey(options.signingKey);
  cert.signature = algorithmIdentifier(scheme.oid, scheme.nullParams);
  const tbs = new Uint8Array(cert.encodeTBS().toBER(false));
  const { algorithm, signature } = signX509(options.signingKey, tbs);
  cert.signatureAlgorithm = algorithm;
  cert.signatureValue = new asn1js.BitString({ valueHex: signature });
  return new Uint8Array(cert.toSchema(true).toBER(false));
}
