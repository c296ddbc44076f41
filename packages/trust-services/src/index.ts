/**
 * @tonle/trust-services: the certification authority, the OCSP responder (RFC 6960) and the
 * time-stamping authority (RFC 3161) as real HTTP services. Depends on @tonle/pki and @tonle/protocol
 * only; never on the registry or the security server.
 */
export { TrustErrorCodes, TrustServiceError, isTrustServiceError, type TrustErrorCode } from './errors/index.ts';
export {
  createFileCertificateStore,
  createFileSerialCounter,
  normalizeSerial,
  revocationReasons,
  type CertificateProfileKind,
  type CertificateStore,
  type IssuedCertificate,
  type RevocationReason,
  type SerialCounter,
} from './storage/index.ts';
export { loadCaConfig, loadOcspConfig, loadTsaConfig, type CaConfig, type ConfigSources, type OcspConfig, type TsaConfig } from './config/index.ts';
export { apiKeyFromAuthorization, apiKeyMatches } from './auth/index.ts';
