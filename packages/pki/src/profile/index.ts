export {
  ejbcaProfile,
  certificateProfileByName,
  type CertificateProfile,
  type ProfileMemberId,
  type ProfileServerId,
} from './ejbca-profile.ts';
