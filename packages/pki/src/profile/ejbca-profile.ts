import type { MemberId, SecurityServerId } from '@tonle/protocol';
import { PkiError } from '../errors/index.ts';
import { nameValues, parseCertificate, type CertificateInfo, type DistinguishedName } from '../certificates/index.ts';

/**
 * A certificate profile: how a CA writes member and server identities into certificate subjects, and
 * how a verifier reads the member back (X-Road's `CertificateProfileInfoProvider`, xroad-digest §4.3).
 *
 * @example
 * ```ts
 * const profile: CertificateProfile = certificateProfileByName('ejbca');
 * const member = profile.memberIdFromCertificate(signCertDer, 'EE');
 * ```
 */
export interface CertificateProfile {
  /** The name global configuration uses for this profile (`approvedCAs[].certificateProfile`). */
  readonly name: string;
  /** Subject of a member's signing certificate. */
  subjectFor(member: MemberId): DistinguishedName;
  /** Subject of a security server's authentication certificate. */
  authSubjectFor(server: Omit<SecurityServerId, 'type'> & { readonly type?: 'SERVER' }): DistinguishedName;
  /** The member a signing certificate identifies; `instance` is the verifier's own instance. */
  memberIdFromCertificate(certificate: Uint8Array | string | CertificateInfo, instance: string): MemberId;
}

function requireText(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`certificate profile: ${what} must be a non-empty string`);
  return value;
}

function single(subject: DistinguishedName, type: string, meaning: string): string {
  const values = nameValues(subject, type);
  if (values.length !== 1 || (values[0] ?? '').length === 0) {
    throw new PkiError(
      'TONLE_ERR_PKI_PROFILE_FIELD_MISSING',
      `the certificate subject must contain exactly one ${type} (${meaning}); it has ${values.length}. Was it issued under this profile?`,
    );
  }
  return values[0] as string;
}

/**
 * The EJBCA-like profile X-Road's default CA setup uses: signing certificate subject
 * `C=<instance>, O=<member class>, CN=<member code>`; authentication certificate subject
 * `C=<instance>, O=<member class>, OU=<member code>, CN=<server code>` (the auth certificate is bound
 * to its server by its hash in global configuration, not by its name; the subject is informative).
 *
 * @example
 * ```ts
 * import { ejbcaProfile } from '@tonle/pki';
 * const subject = ejbcaProfile.subjectFor({ type: 'MEMBER', instance: 'EE', memberClass: 'GOV', memberCode: '1234' });
 * const member = ejbcaProfile.memberIdFromCertificate(signCertDer, 'EE');
 * ```
 */
export const ejbcaProfile: CertificateProfile = Object.freeze({
  name: 'ejbca',
  subjectFor(member: MemberId): DistinguishedName {
    return [
      { type: 'C', value: requireText(member?.instance, 'instance') },
      { type: 'O', value: requireText(member.memberClass, 'memberClass') },
      { type: 'CN', value: requireText(member.memberCode, 'memberCode') },
    ];
  },
  authSubjectFor(server: Omit<SecurityServerId, 'type'> & { readonly type?: 'SERVER' }): DistinguishedName {
    return [
      { type: 'C', value: requireText(server?.instance, 'instance') },
      { type: 'O', value: requireText(server.memberClass, 'memberClass') },
      { type: 'OU', value: requireText(server.memberCode, 'memberCode') },
      { type: 'CN', value: requireText(server.serverCode, 'serverCode') },
    ];
  },
  memberIdFromCertificate(certificate: Uint8Array | string | CertificateInfo, instance: string): MemberId {
    requireText(instance, 'instance');
    const info = typeof certificate === 'string' || certificate instanceof Uint8Array ? parseCertificate(certificate) : certificate;
    const c = single(info.subject, 'C', 'instance identifier');
    const memberClass = single(info.subject, 'O', 'member class');
    const memberCode = single(info.subject, 'CN', 'member code');
    if (c !== instance) {
      throw new PkiError(
        'TONLE_ERR_PKI_PROFILE_INSTANCE_MISMATCH',
        `the certificate names instance "${c}" but this instance is "${instance}"; it belongs to another X-Road instance`,
      );
    }
    return Object.freeze({ type: 'MEMBER', instance: c, memberClass, memberCode });
  },
});

const PROFILES: ReadonlyMap<string, CertificateProfile> = new Map([[ejbcaProfile.name, ejbcaProfile]]);

/**
 * Looks up a profile by the name global configuration gives for an approved CA.
 *
 * @example
 * ```ts
 * import { certificateProfileByName } from '@tonle/pki';
 * const profile = certificateProfileByName(approvedCa.certificateProfile);
 * ```
 */
export function certificateProfileByName(name: string): CertificateProfile {
  const p = PROFILES.get(name);
  if (!p) throw new TypeError(`unknown certificate profile "${name}"; known: ${[...PROFILES.keys()].join(', ')}`);
  return p;
}
