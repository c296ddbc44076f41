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
export {
  createCaServer,
  createCertificationAuthority,
  describeOwner,
  expectedSubject,
  ownerFromRequest,
  type AuthoritySettings,
  type CertificateOwner,
  type CertificationAuthority,
} from './ca/index.ts';
export { createOcspResponder, createOcspServer, type OcspAnswer, type OcspResponder, type ResponderIdentity } from './ocsp/index.ts';
export { createTimeStampAuthority, createTsaServer, type TimeStampAuthority, type TimeStampFailure, type TsaIdentity } from './tsa/index.ts';
export {
  initTrustState,
  loadServiceIdentity,
  readSecretFile,
  readServiceCertificate,
  readTrustMetadata,
  stateLayout,
  type InitializedTrustState,
  type InitTrustStateOptions,
  type ServiceIdentity,
  type ServiceName,
  type TrustMetadata,
} from './state/index.ts';
export {
  startCertificationAuthority,
  startOcspResponder,
  startTimeStampAuthority,
  startTrustServices,
  type RunningService,
  type RunningTrustServices,
  type StartTrustServicesOptions,
} from './start/index.ts';
export { createTrustLogger, redactedPaths } from './logging/index.ts';
