import { createPublicKey, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { PkiError, parseGuard } from '../errors/index.ts';
import {
  assertDistinguishedName,
  fromPkijsName,
  toPkijsName,
  type DistinguishedName,
} from '../certificates/index.ts';
import { exportSpki, signX509, verifyX509 } from '../keys/index.ts';
import { toDer } from '../pem/index.ts';

/** pkijs keeps `encodeTBS` protected; the subclass exposes the TBS bytes we sign with node:crypto. */
class SignableCertificationRequest extends pkijs.CertificationRequest {
  tbsBytes(): Uint8Array {
    return new Uint8Array(this.encodeTBS().toBER(false));
  }
}

/**
 * Inputs of {@link createCsr}.
 *
 * @example
 * ```ts
 * const options: CreateCsrOptions = { privateKey, subject: ejbcaProfile.subjectFor(member) };
 * const csr = createCsr(options);
 * ```
 */
export interface CreateCsrOptions {
  /** The key that proves possession by signing the request (RSA, ECDSA P-256/P-384, Ed25519). */
  readonly privateKey: KeyObject;
  /** The matching public key; derived from `privateKey` when omitted. */
  readonly publicKey?: KeyObject;
  readonly subject: DistinguishedName;
  /** DNS names requested as subjectAltName (an extensionRequest attribute, RFC 2985 §5.4.2). */
  readonly dnsNames?: readonly string[];
}

/**
 * A parsed PKCS#10 request whose self-signature has been verified.
 *
 * @example
 * ```ts
 * const { subject, spki }: CsrInfo = parseCsr(body);
 * ```
 */
export interface CsrInfo {
  readonly der: Uint8Array;
  readonly subject: DistinguishedName;
  readonly publicKey: KeyObject;
  /** DER SubjectPublicKeyInfo, ready for `issueCertificate({ publicKey })`. */
  readonly spki: Uint8Array;
  /** DNS names from a requested subjectAltName extension. */
  readonly dnsNames: readonly string[];
}

/**
 * Creates a PKCS#10 certificate signing request (RFC 2986), signed with node:crypto.
 *
 * @example
 * ```ts
 * import { createCsr, generateKeyPair, encodePem } from '@tonle/pki';
 * const keys = await generateKeyPair('P-256');
 * const csr = createCsr({ privateKey: keys.privateKey, subject: [{ type: 'C', value: 'EE' }, { type: 'O', value: 'GOV' }, { type: 'CN', value: '1234' }] });
 * fs.writeFileSync('sign.csr', encodePem('CERTIFICATE REQUEST', csr));
 * ```
 */
export function createCsr(options: CreateCsrOptions): Uint8Array {
  if (options.privateKey?.type !== 'private') throw new TypeError('createCsr: privateKey must be a private KeyObject');
  assertDistinguishedName(options.subject, 'createCsr subject');
  const derived = createPublicKey(options.privateKey);
  if (options.publicKey && !Buffer.from(exportSpki(options.publicKey)).equals(Buffer.from(exportSpki(derived)))) {
    throw new TypeError('createCsr: publicKey does not match privateKey');
  }
  const csr = new SignableCertificationRequest();
  csr.version = 0;
  csr.subject = toPkijsName(options.subject);
  csr.subjectPublicKeyInfo = new pkijs.PublicKeyInfo({ schema: asn1js.fromBER(exportSpki(derived)).result });
  csr.attributes = [];
  if (options.dnsNames && options.dnsNames.length > 0) {
    const san = new pkijs.AltName({ altNames: options.dnsNames.map((d) => new pkijs.GeneralName({ type: 2, value: d })) });
    const extensions = new pkijs.Extensions({
      extensions: [new pkijs.Extension({ extnID: '2.5.29.17', critical: false, extnValue: san.toSchema().toBER(false) })],
    });
    // PKCS#9 extensionRequest (1.2.840.113549.1.9.14).
    csr.attributes.push(new pkijs.Attribute({ type: '1.2.840.113549.1.9.14', values: [extensions.toSchema()] }));
  }
  const tbs = csr.tbsBytes();
  const { algorithm, signature } = signX509(options.privateKey, tbs);
  csr.signatureAlgorithm = algorithm;
  csr.signatureValue = new asn1js.BitString({ valueHex: signature });
  return new Uint8Array(csr.toSchema(true).toBER(false));
}

/**
 * Parses a PKCS#10 request (DER or PEM "CERTIFICATE REQUEST") and verifies its self-signature
 * (proof of possession). Fails with `TONLE_ERR_PKI_MALFORMED`, `_BAD_SIGNATURE` or
 * `_UNSUPPORTED_ALGORITHM`; a CA never issues from a request that fails here.
 *
 * @example
 * ```ts
 * import { parseCsr, issueCertificate } from '@tonle/pki';
 * const csr = parseCsr(body);
 * const cert = await issueCertificate({ publicKey: csr.spki, subject: csr.subject, ... });
 * ```
 */
export function parseCsr(input: Uint8Array | string): CsrInfo {
  const der = toDer(input, 'CERTIFICATE REQUEST');
  const parsed = parseGuard('certificate request', () => {
    const asn = asn1js.fromBER(der);
    if (asn.offset === -1 || asn.offset !== der.byteLength) throw new Error('not a single DER value');
    const csr = new pkijs.CertificationRequest({ schema: asn.result });
    const spki = new Uint8Array(csr.subjectPublicKeyInfo.toSchema().toBER(false));
    const dnsNames: string[] = [];
    for (const attr of csr.attributes ?? []) {
      if (attr.type !== '1.2.840.113549.1.9.14') continue;
      for (const v of attr.values) {
        const exts = new pkijs.Extensions({ schema: v });
        for (const e of exts.extensions) {
          if (e.extnID === '2.5.29.17' && e.parsedValue instanceof pkijs.AltName) {
            for (const n of e.parsedValue.altNames) if (n.type === 2) dnsNames.push(String(n.value));
          }
        }
      }
    }
    return { csr, spki, dnsNames, subject: fromPkijsName(csr.subject) };
  });
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: Buffer.from(parsed.spki), format: 'der', type: 'spki' });
  } catch (e) {
    throw new PkiError('TONLE_ERR_PKI_UNSUPPORTED_ALGORITHM', 'the request public key type is not supported', { cause: e });
  }
  const tbs = new Uint8Array(parsed.csr.tbsView);
  const signature = new Uint8Array(parsed.csr.signatureValue.valueBlock.valueHexView);
  if (!verifyX509(parsed.csr.signatureAlgorithm, publicKey, tbs, signature)) {
    throw new PkiError('TONLE_ERR_PKI_BAD_SIGNATURE', 'the certificate request signature does not verify; regenerate the CSR with the matching key');
  }
  return Object.freeze({
    der,
    subject: Object.freeze(parsed.subject),
    publicKey,
    spki: parsed.spki,
    dnsNames: Object.freeze(parsed.dnsNames),
  });
}
