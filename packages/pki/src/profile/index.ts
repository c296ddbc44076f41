export {
  ejbcaProfile,
  certificateProfileByName,
  type CertificateProfile,
} from './ejbca-profile.ts';
