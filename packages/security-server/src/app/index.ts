/** Composition: the services object both proxies share, its adapters, and the server builder. */
export {
  TrustError,
  type ApprovedCa,
  type ExchangeConfView,
  type ExchangeGlobalConf,
  type ExchangeServices,
  type PeerResponse,
  type PeerServer,
  type PeerTransport,
  type ProviderClient,
  type SignerTrust,
} from './services.ts';
export { exchangeConfView, exchangeGlobalConf } from './peers.ts';
export { createSignerTrust, type SignerTrustDeps } from './trust.ts';
export { createMemoryMessageLog } from './memory-message-log.ts';
export { startSecurityServer, type RunningSecurityServer, type SecurityServerInput } from './security-server.ts';
export { startFromConfig, algorithmForKey, type StartedFromConfig } from './from-config.ts';
