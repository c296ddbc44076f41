import { PkiError } from '../errors/index.ts';
import { formatDistinguishedName } from './names.ts';
import {
  certificateSignedBy,
  parseCertificateInternal,
  type CertificateInfo,
  type KeyUsage,
  type ParsedCertificate,
} from './parse-certificate.ts';

/**
 * Inputs of {@link validateCertificatePath}.
 *
 * @example
 * ```ts
 * const options: ValidateCertificatePathOptions = { certificate, intermediates: [], trustAnchors: approvedCaCerts, at: clock.now() };
 * validateCertificatePath(options);
 * ```
 */
export interface ValidateCertificatePathOptions {
  /** The end-entity certificate (DER or PEM). */
  readonly certificate: Uint8Array | string;
  /** Candidate intermediate CA certificates, in any order. */
  readonly intermediates?: readonly (Uint8Array | string)[];
  /** Approved CA certificates (global configuration `approvedCAs`); a path must end at one of them. */
  readonly trustAnchors: readonly (Uint8Array | string)[];
  /** The validation instant, epoch ms (inject `clock.now()`, or a signing time for evidence). */
  readonly at: number;
  /** Key usages the end-entity certificate must allow (when it has a keyUsage extension, RFC 5280 §4.2.1.3). */
  readonly requiredKeyUsage?: readonly KeyUsage[];
  /** Extended key usage OIDs the end-entity certificate must list (when it has the extension). */
  readonly requiredExtendedKeyUsage?: readonly string[];
  /** Maximum number of certificates in the path including leaf and anchor (default 6). */
  readonly maxPathLength?: number;
}

/**
 * A validated path: `chain[0]` is the end entity, the last element the trust anchor.
 *
 * @example
 * ```ts
 * const { chain, trustAnchor }: ValidatedPath = validateCertificatePath({ certificate, trustAnchors, at: clock.now() });
 * ```
 */
export interface ValidatedPath {
  readonly chain: readonly CertificateInfo[];
  readonly trustAnchor: CertificateInfo;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.from(a).equals(Buffer.from(b));
}

function checkTime(c: ParsedCertificate, at: number): void {
  if (at < c.info.notBefore) {
    throw new PkiError(
      'TONLE_ERR_PKI_CERT_NOT_YET_VALID',
      `certificate ${formatDistinguishedName(c.info.subject)} (serial ${c.info.serialNumber}) is not valid before ${new Date(c.info.notBefore).toISOString()}; check the clock or wait`,
    );
  }
  if (at > c.info.notAfter) {
    throw new PkiError(
      'TONLE_ERR_PKI_CERT_EXPIRED',
      `certificate ${formatDistinguishedName(c.info.subject)} (serial ${c.info.serialNumber}) expired at ${new Date(c.info.notAfter).toISOString()}; renew it`,
    );
  }
}

function checkCriticalExtensions(c: ParsedCertificate): void {
  if (c.info.unknownCriticalExtensions.length > 0) {
    throw new PkiError(
      'TONLE_ERR_PKI_UNSUPPORTED_ALGORITHM',
      `certificate ${formatDistinguishedName(c.info.subject)} has unsupported critical extensions ${c.info.unknownCriticalExtensions.join(', ')} (RFC 5280 §4.2)`,
    );
  }
}

function checkIsCa(c: ParsedCertificate, belowCount: number): void {
  const name = formatDistinguishedName(c.info.subject);
  // RFC 5280 §6.1.4 (k): an issuing certificate must assert cA in basicConstraints.
  if (!c.info.basicConstraints?.ca) {
    throw new PkiError('TONLE_ERR_PKI_NOT_CA', `certificate ${name} issued another certificate but is not a CA (basicConstraints cA)`);
  }
  // RFC 5280 §6.1.4 (n): when keyUsage is present it must allow keyCertSign.
  if (c.info.keyUsage && !c.info.keyUsage.includes('keyCertSign')) {
    throw new PkiError('TONLE_ERR_PKI_KEY_USAGE', `CA certificate ${name} lacks keyUsage keyCertSign`);
  }
  // RFC 5280 §4.2.1.9: pathLenConstraint counts the non-self-issued intermediates below this CA.
  const pl = c.info.basicConstraints.pathLength;
  if (pl !== undefined && belowCount > pl) {
    throw new PkiError('TONLE_ERR_PKI_PATH_TOO_LONG', `CA ${name} allows ${pl} intermediate CA(s) below it, the path has ${belowCount}`);
  }
}

/**
 * Validates a certificate path from `certificate` to one of `trustAnchors` at the instant `at`
 * (RFC 5280 §6, restricted to what Tonle needs: names chain by exact DER, every signature verifies,
 * every certificate including the anchor is within its validity, issuers are CAs with keyCertSign,
 * path length constraints hold, unknown critical extensions are rejected). Revocation is checked
 * separately with OCSP.
 *
 * Errors: `TONLE_ERR_PKI_CERT_EXPIRED`, `_CERT_NOT_YET_VALID`, `_UNTRUSTED_ISSUER` (no path to an
 * anchor), `_BAD_SIGNATURE` (the issuer by name did not sign it), `_NOT_CA`, `_KEY_USAGE`,
 * `_PATH_TOO_LONG`, `_MALFORMED`.
 *
 * @example
 * ```ts
 * import { validateCertificatePath } from '@tonle/pki';
 * const { chain } = validateCertificatePath({
 *   certificate: signCertDer, intermediates: [], trustAnchors: approvedCaCerts,
 *   at: clock.now(), requiredKeyUsage: ['nonRepudiation'],
 * });
 * ```
 */
export function validateCertificatePath(options: ValidateCertificatePathOptions): ValidatedPath {
  if (!Number.isFinite(options.at)) throw new TypeError('validateCertificatePath: at must be epoch milliseconds');
  if (!Array.isArray(options.trustAnchors)) throw new TypeError('validateCertificatePath: trustAnchors must be an array');
  const maxPathLength = options.maxPathLength ?? 6;
  const leaf = parseCertificateInternal(options.certificate);
  const anchors = options.trustAnchors.map((a) => parseCertificateInternal(a));
  const intermediates = (options.intermediates ?? []).map((c) => parseCertificateInternal(c));

  const path: ParsedCertificate[] = [leaf];
  let anchor: ParsedCertificate | undefined = anchors.find((a) => sameBytes(a.info.der, leaf.info.der));
  let badSignature: ParsedCertificate | undefined;
  while (anchor === undefined) {
    const current = path[path.length - 1] as ParsedCertificate;
    if (path.length >= maxPathLength) {
      throw new PkiError('TONLE_ERR_PKI_PATH_TOO_LONG', `no trust anchor within ${maxPathLength} certificates; shorten the chain`);
    }
    const byName = (c: ParsedCertificate): boolean => sameBytes(c.subjectDer, current.issuerDer);
    const verified = (c: ParsedCertificate): boolean => {
      const ok = certificateSignedBy(current, c.info.publicKey);
      if (!ok) badSignature = current;
      return ok;
    };
    anchor = anchors.filter(byName).find(verified);
    if (anchor) break;
    const next = intermediates.filter((c) => byName(c) && !path.includes(c)).find(verified);
    if (!next) {
      if (badSignature === current) {
        throw new PkiError(
          'TONLE_ERR_PKI_BAD_SIGNATURE',
          `the signature on ${formatDistinguishedName(current.info.subject)} does not verify with the key of its issuer ${formatDistinguishedName(current.info.issuer)}`,
        );
      }
      throw new PkiError(
        'TONLE_ERR_PKI_UNTRUSTED_ISSUER',
        `issuer ${formatDistinguishedName(current.info.issuer)} of ${formatDistinguishedName(current.info.subject)} is not an approved CA and no intermediate leads to one`,
      );
    }
    path.push(next);
  }
  const full = path[path.length - 1] === anchor ? path : [...path, anchor];

  // Checks run leaf first so the error names the most specific certificate.
  for (const c of full) {
    checkTime(c, options.at);
    checkCriticalExtensions(c);
  }
  for (let i = 1; i < full.length; i++) {
    // Intermediates below full[i] (excluding the leaf) count against its pathLenConstraint.
    checkIsCa(full[i] as ParsedCertificate, Math.max(0, i - 1));
  }
  const leafInfo = leaf.info;
  const missingKu = (options.requiredKeyUsage ?? []).filter((u) => leafInfo.keyUsage !== undefined && !leafInfo.keyUsage.includes(u));
  if (missingKu.length > 0) {
    throw new PkiError('TONLE_ERR_PKI_KEY_USAGE', `certificate ${formatDistinguishedName(leafInfo.subject)} lacks key usage ${missingKu.join(', ')}`);
  }
  const missingEku = (options.requiredExtendedKeyUsage ?? []).filter(
    (u) => leafInfo.extendedKeyUsage !== undefined && !leafInfo.extendedKeyUsage.includes(u),
  );
  if (missingEku.length > 0) {
    throw new PkiError('TONLE_ERR_PKI_KEY_USAGE', `certificate ${formatDistinguishedName(leafInfo.subject)} lacks extended key usage ${missingEku.join(', ')}`);
  }
  return Object.freeze({ chain: Object.freeze(full.map((c) => c.info)), trustAnchor: anchor.info });
}
