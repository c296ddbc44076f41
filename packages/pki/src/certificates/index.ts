export {
  parseCertificate,
  parseCertificateInternal,
  certificateSignedBy,
  serialHex,
  hex,
  KEY_USAGE_BITS,
  type CertificateInfo,
  type KeyUsage,
  type ParsedCertificate,
} from './parse-certificate.ts';
export {
  formatDistinguishedName,
  nameValues,
  assertDistinguishedName,
  toPkijsName,
  fromPkijsName,
  nameDer,
  type DistinguishedName,
  type NameAttribute,
} from './names.ts';
export { issueCertificate, type IssueCertificateOptions, type ExtendedKeyUsageName } from './issue-certificate.ts';
export { validateCertificatePath, type ValidateCertificatePathOptions, type ValidatedPath } from './validate-path.ts';
