/** Security server configuration: one schema, defaults < file < TONLE_* env, all violations at once, frozen. */
export { loadConfig, ConfigError, type SecurityServerConfig, type LoadConfigOptions } from './load.ts';
export { settings, envNameOf, type Setting } from './schema.ts';
