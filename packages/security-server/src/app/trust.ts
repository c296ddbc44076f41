import { createHash } from 'node:crypto';
import { certificateProfileByName, validateCertificatePath, type ValidatedPath } from '@tonle/pki';
import { GatewayFault } from '@tonle/protocol';
import type { OcspService, OcspVerdict } from '../ocsp/index.ts';
import type { MemberId } from '@tonle/protocol';
import { TrustError, type ApprovedCa, type ExchangeConfView, type SignerTrust } from '../proxy-services/index.ts';

export interface SignerTrustDeps {
  /** The configuration in force (throws the side's OutdatedGlobalConf fault when expired). */
  readonly conf: (side: 'client' | 'server') => ExchangeConfView;
  /** Verifies a peer's stapled OCSP response (the ocsp module: signature, responder, good, fresh; cached). */
  readonly ocsp: Pick<OcspService, 'verifyPeer'>;
}

function sha256hex(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}

interface Path {
  readonly ca: ApprovedCa;
  readonly issuer: Uint8Array;
  readonly notAfter: number;
}

/** RFC 5280 path from the leaf to the top certificate of an approved CA (`@tonle/pki` path validation). */
function buildPath(chain: readonly Uint8Array[], cas: readonly ApprovedCa[], at: number): Path {
  const usable = cas.filter((ca) => !ca.authOnly);
  let path: ValidatedPath;
  try {
    path = validateCertificatePath({
      certificate: chain[0] as Uint8Array,
      intermediates: [...chain.slice(1), ...usable.flatMap((ca) => ca.intermediateCertificates)],
      trustAnchors: usable.map((ca) => ca.topCertificate),
      at,
    });
  } catch (error) {
    throw new TrustError('certificate', 'The signing certificate does not chain to an approved certification authority at this time', { cause: error });
  }
  const leaf = path.chain[0];
  if (leaf === undefined || leaf.basicConstraints?.ca === true) throw new TrustError('certificate', 'The signing certificate is a CA certificate');
  const anchor = path.trustAnchor.der;
  const ca = usable.find((c) => Buffer.compare(c.topCertificate, anchor) === 0);
  const issuer = path.chain[1]?.der ?? anchor;
  if (ca === undefined) throw new TrustError('certificate', 'The path ends at no approved certification authority');
  return { ca, issuer, notAfter: Math.min(...path.chain.map((c) => c.notAfter)) };
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
    async verifySigner({ chain, ocsp, at, side }) {
      if (chain.length === 0) throw new TrustError('certificate', 'The message carries no signing certificate');
      const view = deps.conf(side);
      const key = `${sha256hex(chain[0] as Uint8Array)}:${ocsp.length > 0 ? sha256hex(ocsp[0] as Uint8Array) : '-'}`;
      const hit = cache.get(key);
      if (hit !== undefined && hit.view === view && at <= hit.until) return hit.member;
      const path = buildPath(chain, view.approvedCas, at);
      const response = ocsp[0];
      if (response === undefined) throw new TrustError('ocsp', 'No OCSP response is stapled for the signing certificate');
      let verdict: OcspVerdict;
      try {
        // RFC 6960 §4.2.2.1-2: responder signature and authorisation, certificate id, good, fresh.
        verdict = deps.ocsp.verifyPeer({ certificate: chain[0] as Uint8Array, issuer: path.issuer, response }, side);
      } catch (error) {
        if (GatewayFault.is(error)) throw error;
        throw new TrustError('ocsp', 'The stapled OCSP response is not valid, not good or not fresh', { cause: error });
      }
      let member: MemberId;
      try {
        const profile = certificateProfileByName(path.ca.certificateProfile);
        member = { ...profile.memberIdFromCertificate(chain[0] as Uint8Array, view.instanceIdentifier), type: 'MEMBER' };
      } catch (error) {
        throw new TrustError('certificate', 'The signing certificate does not name a member under its CA profile', { cause: error });
      }
      const until = Math.min(path.notAfter, verdict.validUntil);
      if (cache.size > 1024) cache.clear();
      cache.set(key, { member, until, view });
      return member;
    },
  };
}
