/** Client proxy: the consumer side, X-Road REST r1 for information systems. */
export { buildClientProxy } from './client-proxy.ts';
export { RESPONSE_XROAD_HEADERS, firstHeader, headerPairs, lastHeader, toOutgoingHeaders, withoutHeaders } from './headers.ts';
export { authenticateInformationSystem, isConnection, type IsConnection } from './is-authentication.ts';
export { listenClientProxyHttps, type ClientProxyHttpsListener, type ClientProxyHttpsOptions } from './https-listener.ts';
export {
  INTERNAL_TLS_CERTIFICATE_FILE,
  INTERNAL_TLS_KEY_FILE,
  InternalTlsError,
  clientProxyTlsIdentity,
  ensureInternalTlsCertificate,
  type ClientProxyTlsIdentity,
} from './internal-tls.ts';
