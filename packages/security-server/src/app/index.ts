/** Composition: the services object both proxies share, its adapters, and the server builder. */
export * from '../proxy-services/index.ts';
export { exchangeConfView, exchangeGlobalConf } from './peers.ts';
export { createSignerTrust, type SignerTrustDeps } from './trust.ts';
export { createMemoryMessageLog, type MemoryMessageLog, type MemoryMessageLogLimits } from './memory-message-log.ts';
export { startSecurityServer, type ExchangeObservation, type RunningSecurityServer, type SecurityServerInput } from './security-server.ts';
export { startFromConfig, algorithmForKey, type StartedFromConfig } from './from-config.ts';
