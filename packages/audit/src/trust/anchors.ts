import { X509Certificate } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PkiError, validateCertificatePath } from '@tonle/pki';
import { AuditError } from '../errors.ts';

/** The certificates an auditor trusts: CA certificates and TSA certificates, given as files. */
export interface TrustAnchors {
  readonly certificates: readonly X509Certificate[];
}

const PEM = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;

/** Parses PEM (one or many certificates) or a single DER certificate. */
export function parseCertificates(bytes: Uint8Array, source: string): X509Certificate[] {
  const text = Buffer.from(bytes).toString('latin1');
  const blocks = [...text.matchAll(PEM)].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
  const ders = blocks.length > 0 ? blocks : [Buffer.from(bytes)];
  try {
    return ders.map((d) => new X509Certificate(d));
  } catch (cause) {
    throw new AuditError('TONLE_ERR_AUDIT_ANCHORS_INVALID', `${source} does not hold PEM or DER X.509 certificates`, { cause });
  }
}

/** Loads trust anchors from a file or from every `*.pem|*.crt|*.cer|*.der` file of a directory. */
export async function loadTrustAnchors(path: string): Promise<TrustAnchors> {
  const info = await stat(path).catch((cause: unknown) => {
    throw new AuditError('TONLE_ERR_AUDIT_ANCHORS_INVALID', `trust anchors not found at ${path}: give a PEM file or a directory of certificates`, { cause });
  });
  const files = info.isDirectory()
    ? (await readdir(path)).filter((n) => /\.(pem|crt|cer|der)$/i.test(n)).sort().map((n) => join(path, n))
    : [path];
  const certificates: X509Certificate[] = [];
  for (const f of files) certificates.push(...parseCertificates(await readFile(f), f));
  if (certificates.length === 0) throw new AuditError('TONLE_ERR_AUDIT_ANCHORS_INVALID', `no certificates in ${path}`);
  return { certificates };
}

/** The anchors as DER, the form @tonle/pki takes. */
export function anchorDers(anchors: TrustAnchors): Uint8Array[] {
  return anchors.certificates.map((c) => new Uint8Array(c.raw));
}

/** Why a @tonle/pki check failed, for a report: its code and message. */
export function pkiReason(e: unknown): string {
  return PkiError.is(e) ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);
}

/**
 * Checks that `chain` (DER, leaf first) leads to one of the anchors at time `at` (RFC 5280 path validation
 * by @tonle/pki). Returns undefined when it does, else the reason.
 */
export function checkChain(chain: readonly Uint8Array[], anchors: TrustAnchors, at: number): string | undefined {
  const [leaf, ...intermediates] = chain;
  if (leaf === undefined) return 'no certificate';
  try {
    validateCertificatePath({ certificate: leaf, intermediates, trustAnchors: anchorDers(anchors), at });
    return undefined;
  } catch (e) {
    return pkiReason(e);
  }
}
