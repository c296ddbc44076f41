/**
 * Global configuration: the signed JSON document the central registry publishes, its anchor, the
 * verifier and a runtime-neutral download client (architecture §4, xroad-digest §4).
 */
export type {
  AnnouncedVerificationKey,
  ApprovedCaEntry,
  ApprovedTsaEntry,
  ClientRef,
  ConfigurationAnchor,
  ConfigurationSource,
  GlobalConfAlgorithm,
  GlobalConfiguration,
  GlobalConfTrust,
  GlobalGroupEntry,
  GlobalSettings,
  MemberClassEntry,
  MemberEntry,
  MemberRef,
  OcspResponderEntry,
  PublicJwk,
  SecurityServerEntry,
  SubsystemEntry,
  VerificationKey,
  VerifiedGlobalConfiguration,
} from './types.ts';
export { GlobalConfError, isGlobalConfError, type GlobalConfErrorCode, type GlobalConfIssue } from './errors.ts';
export { formatConfigurationAnchor, parseConfigurationAnchor, validateGlobalConfiguration } from './document.ts';
export { GLOBAL_CONF_JWS_TYPE, trustAfter, trustFromAnchor, verifyGlobalConfiguration, type VerifyGlobalConfOptions } from './verify.ts';
export {
  createGlobalConfClient,
  type CachedGlobalConf,
  type GlobalConfCache,
  type GlobalConfClient,
  type GlobalConfClientOptions,
  type GlobalConfFetch,
  type GlobalConfFetchResponse,
  type GlobalConfRefresh,
} from './client.ts';
export { signGlobalConfiguration, type GlobalConfSigningKey } from './sign.ts';
export {
  signManagementRequest,
  type ManagementRequestEnvelope,
  type ManagementRequestPayload,
  type ManagementRequestType,
  type ManagementSigningKey,
} from './management-request.ts';
