export { createCertificationAuthority, type AuthoritySettings, type CertificationAuthority } from './authority.ts';
export { createCaServer } from './ca-server.ts';
export { describeOwner, ownerFromRequest, type CertificateOwner, type MemberRef, type ServerRef } from './owners.ts';
export { expectedSubject } from './profile.ts';
