import { randomBytes, type KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '@tonle/protocol';
import {
  formatDistinguishedName,
  issueCertificate,
  parseCertificate,
  parseCsr,
  PkiError,
  type CsrInfo,
  type KeyUsage,
  OID,
} from '@tonle/pki';
import { TrustServiceError } from '../errors/index.ts';
import type { CertificateStore, IssuedCertificate, RevocationReason } from '../storage/index.ts';
import { describeOwner, type CertificateOwner } from './owners.ts';
import { expectedSubject, subjectMatches } from './profile.ts';

const DAY = 86_400_000;
const BACKDATE = 5 * 60_000;

/** The certification authority's operations, independent of HTTP (the admin API and the CLI call these). */
export interface CertificationAuthority {
  /** The CA certificate (DER). */
  readonly certificate: Uint8Array;
  /** Verifies the CSR, checks its subject against the profile for `owner`, issues, stores. */
  issue(request: { csr: Uint8Array | string; owner: CertificateOwner }): Promise<IssuedCertificate>;
  revoke(serialNumber: string, reason: RevocationReason): Promise<IssuedCertificate>;
  get(serialNumber: string): Promise<IssuedCertificate | undefined>;
  list(): Promise<IssuedCertificate[]>;
}

/** Settings of {@link createCertificationAuthority} (a subset of `CaConfig`). */
export interface AuthoritySettings {
  readonly instanceIdentifier: string;
  readonly ocspUrl: string;
  readonly signCertValidityDays: number;
  readonly authCertValidityDays: number;
}

/**
 * The CA: issues member signing certificates and security server authentication certificates from
 * CSRs under the EJBCA-like profile (C=instance, O=member class, CN=member code; auth: CN=server code),
 * with 16-byte random serials, the OCSP URL in the AIA extension, and every certificate recorded in the
 * store before it is returned.
 */
export function createCertificationAuthority(deps: {
  readonly settings: AuthoritySettings;
  readonly issuer: { readonly certificate: Uint8Array; readonly privateKey: KeyObject };
  readonly store: CertificateStore;
  readonly clock: Clock;
  readonly log: Logger;
}): CertificationAuthority {
  const { settings, issuer, store, clock, log } = deps;
  const caInfo = parseCertificate(issuer.certificate);

  const issue: CertificationAuthority['issue'] = async ({ csr: input, owner }) => {
    const ownerInstance = owner.profile === 'sign' ? owner.member.instance : owner.server.instance;
    if (ownerInstance !== settings.instanceIdentifier) {
      throw new TrustServiceError(
        'TONLE_ERR_TRUST_CSR_PROFILE_MISMATCH',
        `This CA certifies instance ${settings.instanceIdentifier} only; the request names instance ${ownerInstance}.`,
      );
    }
    let csr: CsrInfo;
    try {
      csr = parseCsr(input);
    } catch (e) {
      if (!PkiError.is(e)) throw e;
      throw new TrustServiceError('TONLE_ERR_TRUST_CSR_INVALID', `The CSR is not usable (${e.code}); send a PKCS#10 request signed with the key to certify.`, { cause: e });
    }
    const expected = expectedSubject(owner);
    if (!subjectMatches(csr.subject, expected)) {
      throw new TrustServiceError(
        'TONLE_ERR_TRUST_CSR_PROFILE_MISMATCH',
        `CSR subject "${formatDistinguishedName(csr.subject)}" does not fit the ${owner.profile} profile; expected "${formatDistinguishedName(expected)}".`,
      );
    }
    const now = clock.now();
    const days = owner.profile === 'sign' ? settings.signCertValidityDays : settings.authCertValidityDays;
    const notBefore = now - BACKDATE;
    const notAfter = Math.min(now + days * DAY, caInfo.notAfter);
    if (notAfter <= now) throw new TrustServiceError('TONLE_ERR_TRUST_STATE_CORRUPT', 'The CA certificate has expired; renew the CA before issuing.');
    const isRsa = csr.publicKey.asymmetricKeyType === 'rsa';
    const keyUsage: KeyUsage[] =
      owner.profile === 'sign' ? ['digitalSignature', 'nonRepudiation'] : isRsa ? ['digitalSignature', 'keyEncipherment'] : ['digitalSignature'];

    for (let attempt = 0; ; attempt++) {
      const serialNumber = randomSerial();
      const der = await issueCertificate({
        publicKey: csr.spki,
        subject: expected,
        signingKey: issuer.privateKey,
        issuerCertificate: issuer.certificate,
        serialNumber,
        notBefore,
        notAfter,
        keyUsage,
        basicConstraints: { ca: false },
        ...(owner.profile === 'auth' ? { extendedKeyUsage: [OID.ekuServerAuth, OID.ekuClientAuth] } : {}),
        ...(owner.profile === 'auth' && csr.dnsNames.length > 0 ? { dnsNames: csr.dnsNames } : {}),
        ocspUrls: [settings.ocspUrl],
      }).catch((e: unknown) => {
        // The profile subject is built from request data; a value X.509 cannot carry is the caller's problem.
        if (e instanceof TypeError) throw new TrustServiceError('TONLE_ERR_TRUST_BAD_REQUEST', `Cannot issue for this owner: ${e.message}`, { cause: e });
        throw e;
      });
      const info = parseCertificate(der);
      const record: IssuedCertificate = Object.freeze({
        serialNumber: info.serialNumber,
        profile: owner.profile,
        owner: describeOwner(owner),
        subject: formatDistinguishedName(info.subject),
        issuedAt: now,
        notBefore: info.notBefore,
        notAfter: info.notAfter,
        sha256: info.sha256,
        certificate: der,
      });
      try {
        await store.add(record);
      } catch (e) {
        // A repeated 128-bit random serial means a broken RNG or store; retry once, then fail closed.
        if ((e as { code?: string }).code === 'TONLE_ERR_TRUST_STATE_CORRUPT' && attempt === 0) continue;
        throw e;
      }
      log.info({ serial: record.serialNumber, owner: record.owner, profile: record.profile }, 'certificate issued');
      return record;
    }
  };

  return {
    certificate: issuer.certificate,
    issue,
    async revoke(serialNumber, reason) {
      const record = await store.revoke(serialNumber, { time: clock.now(), reason });
      log.info({ serial: record.serialNumber, owner: record.owner, reason }, 'certificate revoked');
      return record;
    },
    get: (serialNumber) => store.get(serialNumber),
    list: () => store.list(),
  };
}

/** 16 random bytes as a positive INTEGER without a leading zero byte (RFC 5280 §4.1.2.2). */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f || 0x01;
  return bytes.toString('hex');
}

