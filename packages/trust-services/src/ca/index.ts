export { createCertificationAuthority, type AuthoritySettings, type CertificationAuthority } from './authority.ts';
export { createCaServer } from './ca-server.ts';
export { describeOwner, ownerFromRequest, type CertificateOwner } from './owners.ts';
export { expectedSubject } from './profile.ts';
