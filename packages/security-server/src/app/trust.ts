import { X509Certificate, createHash } from 'node:crypto';
import type { Clock, MemberId } from '@tonle/protocol';
import { TrustError, type ApprovedCa, type ExchangeConfView, type SignerTrust } from './services.ts';

/** Verdict of an OCSP check of one certificate (RFC 6960 §2.2). */
export interface OcspVerdict {
  readonly status: 'good' | 'revoked' | 'unknown';
  /** epoch ms */
  readonly thisUpdate: number;
  readonly nextUpdate?: number;
}

export interface SignerTrustDeps {
  /** The configuration in force (throws the side's OutdatedGlobalConf fault when expired). */
  readonly conf: () => ExchangeConfView;
  readonly clock: Clock;
  /**
   * Verifies a stapled OCSP response for `certificate` issued by `issuer`: responder signature and
   * authorisation, certificate id, and freshness (`thisUpdate` within `maxAgeMs` of `at`). Throws when
   * the response is unusable. Backed by `@tonle/pki` `verifyOcspResponse`.
   */
  readonly verifyOcsp: (input: { response: Uint8Array; certificate: Uint8Array; issuer: Uint8Array; at: number; maxAgeMs: number }) => Promise<OcspVerdict> | OcspVerdict;
  /** The member a signing certificate identifies under a CA's certificate profile (`@tonle/pki` profiles). */
  readonly memberIdFromCertificate: (der: Uint8Array, instance: string, profile: string) => MemberId;
}

function sha256hex(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}

function validAt(cert: X509Certificate, at: number): boolean {
  return Date.parse(cert.validFrom) <= at && at <= Date.parse(cert.validTo);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

interface Path {
  readonly ca: ApprovedCa;
  readonly issuer: Uint8Array;
  readonly notAfter: number;
}

/** Walks from the leaf to the top certificate of an approved CA, checking each signature and validity. */
function buildPath(chain: readonly Uint8Array[], cas: readonly ApprovedCa[], at: number): Path {
  let leaf: X509Certificate;
  let pool: { der: Uint8Array; x509: X509Certificate }[];
  try {
    leaf = new X509Certificate(chain[0] as Uint8Array);
    pool = chain.slice(1).map((der) => ({ der, x509: new X509Certificate(der) }));
  } catch (error) {
    throw new TrustError('certificate', 'A certificate of the signing chain cannot be parsed', { cause: error });
  }
  if (leaf.ca) throw new TrustError('certificate', 'The signing certificate is a CA certificate');
  for (const ca of cas) {
    if (ca.authOnly) continue;
    const candidates = [
      ...pool,
      ...ca.intermediateCertificates.map((der) => ({ der, x509: new X509Certificate(der) })),
      { der: ca.topCertificate, x509: new X509Certificate(ca.topCertificate) },
    ];
    let current = leaf;
    let notAfter = Date.parse(leaf.validTo);
    let issuerOfLeaf: Uint8Array | undefined;
    if (!validAt(leaf, at)) throw new TrustError('certificate', 'The signing certificate is expired or not yet valid');
    for (let depth = 0; depth < 6; depth++) {
      const next = candidates.find((c) => c.x509.ca && c.x509.checkIssued(current) && current.verify(c.x509.publicKey));
      if (next === undefined) break;
      if (!validAt(next.x509, at)) throw new TrustError('certificate', 'A CA certificate of the chain is expired or not yet valid');
      issuerOfLeaf ??= next.der;
      notAfter = Math.min(notAfter, Date.parse(next.x509.validTo));
      if (equalBytes(next.der, ca.topCertificate)) return { ca, issuer: issuerOfLeaf, notAfter };
      current = next.x509;
    }
  }
  throw new TrustError('certificate', 'The signing certificate does not chain to an approved certification authority');
}

/**
 * Signer certificate checks shared by both proxies: the chain ends at an approved CA of the global
 * configuration, the stapled OCSP response is good and fresh (freshness from the configuration), and
 * the certificate profile of that CA names the member. A verified (chain, OCSP) pair is cached until
 * the earlier of certificate expiry and OCSP staleness, so a busy peer costs one check, not one per message
 * (architecture §5).
 */
export function createSignerTrust(deps: SignerTrustDeps): SignerTrust {
  const cache = new Map<string, { member: MemberId; until: number; view: ExchangeConfView }>();
  return {
    async verifySigner({ chain, ocsp, at }) {
      if (chain.length === 0) throw new TrustError('certificate', 'The message carries no signing certificate');
      const view = deps.conf();
      const key = `${sha256hex(chain[0] as Uint8Array)}:${ocsp.length > 0 ? sha256hex(ocsp[0] as Uint8Array) : '-'}`;
      const hit = cache.get(key);
      if (hit !== undefined && hit.view === view && at <= hit.until) return hit.member;
      const path = buildPath(chain, view.approvedCas, at);
      const response = ocsp[0];
      if (response === undefined) throw new TrustError('ocsp', 'No OCSP response is stapled for the signing certificate');
      const maxAgeMs = view.ocspFreshnessSeconds * 1000;
      let verdict: OcspVerdict;
      try {
        verdict = await deps.verifyOcsp({ response, certificate: chain[0] as Uint8Array, issuer: path.issuer, at, maxAgeMs });
      } catch (error) {
        throw new TrustError('ocsp', 'The stapled OCSP response is not valid', { cause: error });
      }
      if (verdict.status !== 'good') throw new TrustError('ocsp', `The signing certificate's OCSP status is ${verdict.status}`);
      if (at - verdict.thisUpdate > maxAgeMs || (verdict.nextUpdate !== undefined && at > verdict.nextUpdate)) {
        throw new TrustError('ocsp', 'The stapled OCSP response is stale');
      }
      let member: MemberId;
      try {
        member = deps.memberIdFromCertificate(chain[0] as Uint8Array, view.instanceIdentifier, path.ca.certificateProfile);
      } catch (error) {
        throw new TrustError('certificate', 'The signing certificate does not name a member under its CA profile', { cause: error });
      }
      const until = Math.min(path.notAfter, verdict.thisUpdate + maxAgeMs, verdict.nextUpdate ?? Number.POSITIVE_INFINITY);
      if (cache.size > 1024) cache.clear();
      cache.set(key, { member, until, view });
      return member;
    },
  };
}
