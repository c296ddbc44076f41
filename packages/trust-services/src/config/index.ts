export type { ConfigSources } from './schema.ts';
export { loadCaConfig, loadOcspConfig, loadTsaConfig, type CaConfig, type OcspConfig, type TsaConfig } from './service-configs.ts';
