/**
 * @tonle/security-server: client proxy (consumer side), server proxy (provider side, mutual TLS),
 * Tonle transport v1, signer, message log, OCSP, global-configuration client, local configuration and
 * access control. Each module has its own front door; this file re-exports what other packages use.
 */
export * from './config/index.ts';
export { createLogger, type CreateLoggerOptions, type Logger } from './logging/index.ts';
export * from './transport/index.ts';
export { buildClientProxy } from './client-proxy/index.ts';
export { buildServerProxy, createProviderClient, ProviderError, type ServerProxyTls } from './server-proxy/index.ts';
export * from './app/index.ts';
export * from './server-conf/index.ts';
export * from './access-control/index.ts';
export { createBatchSigner, createBatchSignatureVerifier, type BatchSigner, type BatchSignerOptions } from './signer/index.ts';
export * from './message-log/index.ts';
export * from './global-conf/index.ts';
export * from './ocsp/index.ts';
export { runSecurityServer, type RunSecurityServerOptions } from './main.ts';
export * from './token/index.ts';
export * from './keys/index.ts';
export {
  RegistrationError,
  buildPayload,
  createRegistrationClient,
  type RegistrationErrorCode,
  type JwsKey,
  type ManagementEnvelope,
  type ManagementPayload,
  type ManagementRequestType,
  type ManagementFetch,
  type RegistrationClient,
  type RegistrationClientOptions,
  type RegistrationView,
  type SubmittedRequest,
} from './registration/index.ts';
export * from './admin-api/index.ts';
export * from './metrics/index.ts';
export * from './health/index.ts';
export * from './opmonitoring/index.ts';
