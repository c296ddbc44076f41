export { initTrustState, type InitializedTrustState, type InitTrustStateOptions } from './init-state.ts';
export { stateLayout, type ServiceName, type TrustMetadata } from './layout.ts';
export { loadServiceIdentity, readSecretFile, readServiceCertificate, readTrustMetadata, type ServiceIdentity } from './load-state.ts';
