/**
 * @tonle/pki: Node-only PKI building blocks for Tonle: X.509 parsing and path validation with an
 * injected clock, CSRs, certificate issuance and profiles, keys (PKCS#8, PIN-encrypted), OCSP
 * (RFC 6960), RFC 3161 time-stamps, the Signer port with a software-key adapter, and JWS helpers.
 * It depends on @tonle/protocol only, never on the applications built on top of it.
 */
export { PkiError, PKI_ERROR_CODES, type PkiErrorCode } from './errors/index.ts';
export { encodePem, decodePem, decodePemAll, pemLabels, toDer } from './pem/index.ts';
export {
  generateKeyPair,
  exportPrivateKeyPem,
  loadPrivateKey,
  exportPublicKeyPem,
  exportSpki,
  loadPublicKey,
  OID,
  digest,
  type KeySpec,
  type KeyPair,
  type HashAlgorithm,
} from './keys/index.ts';
export {
  parseCertificate,
  issueCertificate,
  validateCertificatePath,
  formatDistinguishedName,
  nameValues,
  KEY_USAGE_BITS,
  type CertificateInfo,
  type KeyUsage,
  type DistinguishedName,
  type NameAttribute,
  type IssueCertificateOptions,
  type ExtendedKeyUsageName,
  type ValidateCertificatePathOptions,
  type ValidatedPath,
} from './certificates/index.ts';
export { createCsr, parseCsr, type CreateCsrOptions, type CsrInfo } from './csr/index.ts';
export {
  ejbcaProfile,
  certificateProfileByName,
  type CertificateProfile,
} from './profile/index.ts';
export {
  certIdMatchesIssuer,
  buildOcspRequest,
  parseOcspRequest,
  buildOcspResponse,
  buildOcspErrorResponse,
  parseOcspResponse,
  verifyOcspResponse,
  assertOcspGood,
  REVOCATION_REASONS,
  type OcspCertId,
  type CertIdHashAlgorithm,
  type BuildOcspRequestOptions,
  type BuiltOcspRequest,
  type ParsedOcspRequest,
  type RevocationReason,
  type OcspResponseStatus,
  type OcspCertStatus,
  type OcspSingleResponseInput,
  type BuildOcspResponseOptions,
  type OcspSingleResponse,
  type ParsedOcspResponse,
  type OcspVerification,
  type VerifyOcspResponseOptions,
} from './ocsp/index.ts';
export {
  buildTimeStampRequest,
  parseTimeStampRequest,
  buildTimeStampResponse,
  buildTimeStampRejection,
  parseTimeStampResponse,
  verifyTimeStampToken,
  timeStampTokenFromResponse,
  TSP_FAILURE_BITS,
  type BuildTimeStampRequestOptions,
  type BuiltTimeStampRequest,
  type ParsedTimeStampRequest,
  type TimeStampFailureInfo,
  type TimeStampStatus,
  type BuildTimeStampResponseOptions,
  type ParsedTimeStampResponse,
  type VerifyTimeStampTokenOptions,
  type TimeStampVerification,
} from './timestamp/index.ts';
export {
  createSoftwareSigner,
  verifySignature,
  defaultJwsAlgorithm,
  JWS_ALGORITHMS,
  type Signer,
  type JwsAlgorithm,
  type SoftwareSignerOptions,
  type VerifySignatureOptions,
} from './signer/index.ts';
export {
  signCompactJws,
  verifyCompactJws,
  type SignCompactJwsOptions,
  type VerifyCompactJwsOptions,
  type VerifiedCompactJws,
} from './jws/index.ts';
