import { X509Certificate } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
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

function validAt(cert: X509Certificate, at: number): boolean {
  return Date.parse(cert.validFrom) <= at && at <= Date.parse(cert.validTo);
}

/**
 * Checks that `chain` (leaf first) leads to a trust anchor at time `at`: every certificate valid then,
 * each signed by the next, issuers marked CA, and the last one either an anchor itself or issued by one.
 * Returns undefined when it does, else the reason.
 */
export function checkChain(chain: readonly X509Certificate[], anchors: TrustAnchors, at: number): string | undefined {
  const leaf = chain[0];
  if (leaf === undefined) return 'no certificate';
  for (const [i, c] of chain.entries()) {
    if (!validAt(c, at)) return `certificate ${i} (${c.subject.replace(/\n/g, ', ')}) is not valid at ${new Date(at).toISOString()}`;
    const issuer = chain[i + 1];
    if (issuer !== undefined && (!issuer.ca || !c.checkIssued(issuer) || !c.verify(issuer.publicKey))) return `certificate ${i} is not signed by certificate ${i + 1}`;
  }
  const top = chain.at(-1)!;
  if (anchors.certificates.some((a) => a.fingerprint256 === top.fingerprint256)) return undefined;
  const anchor = anchors.certificates.find((a) => a.ca && top.checkIssued(a) && top.verify(a.publicKey));
  if (anchor === undefined) return `chain of ${leaf.subject.replace(/\n/g, ', ')} does not lead to a trust anchor`;
  if (!validAt(anchor, at)) return `trust anchor ${anchor.subject.replace(/\n/g, ', ')} is not valid at ${new Date(at).toISOString()}`;
  return undefined;
}
