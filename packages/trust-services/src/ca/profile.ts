import type { DistinguishedName } from '@tonle/pki';
import { ejbcaProfile, type CertificateProfile } from '@tonle/pki';
import type { CertificateOwner } from './owners.ts';

/**
 * The subject the certificate profile prescribes for an owner (default: the EJBCA-like profile of
 * X-Road, `EjbcaSignCertificateProfileInfo`: C=instance, O=member class, CN=member code; auth
 * certificates C=instance, O=member class, OU=member code, CN=server code).
 */
export function expectedSubject(owner: CertificateOwner, profile: CertificateProfile = ejbcaProfile): DistinguishedName {
  return owner.profile === 'sign' ? profile.subjectFor(owner.member) : profile.authSubjectFor(owner.server);
}

/** Same attributes with the same values, in any order, nothing more and nothing less. */
export function subjectMatches(actual: DistinguishedName, expected: DistinguishedName): boolean {
  if (actual.length !== expected.length) return false;
  const key = (a: { type: string; value: string }): string => `${a.type}\u0000${a.value}`;
  const wanted = expected.map(key).sort();
  return actual
    .map(key)
    .sort()
    .every((k, i) => k === wanted[i]);
}
