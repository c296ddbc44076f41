import { join } from 'node:path';
import { loadWithSchema, type ConfigSources, type Schema } from './schema.ts';

/** Settings every trust service shares. */
interface ListenerConfig {
  /** Directory created by `tonle trust init` (keys, certificates, issued-certificate store). */
  readonly stateDir: string;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** File holding the PIN that decrypts this service's PKCS#8 key; default `<stateDir>/secrets/key-pin`. */
  readonly keyPinFile: string;
  /** Largest request body accepted; larger ones get HTTP 413. */
  readonly bodyLimitBytes: number;
}

/** Configuration of the certification authority. */
export interface CaConfig extends ListenerConfig {
  /** Only member / server ids of this X-Road instance are certified. */
  readonly instanceIdentifier: string;
  /** OCSP responder URL written into the Authority Information Access of issued certificates. */
  readonly ocspUrl: string;
  /** File holding the admin API key; default `<stateDir>/secrets/admin-api-key`. */
  readonly apiKeyFile: string;
  readonly signCertValidityDays: number;
  readonly authCertValidityDays: number;
}

/** Configuration of the OCSP responder. */
export interface OcspConfig extends ListenerConfig {
  /** thisUpdate + this = nextUpdate in every response (RFC 6960 §2.4). */
  readonly nextUpdateSeconds: number;
  /** `Cache-Control: max-age` on GET responses (RFC 5019 §6.2); kept below nextUpdate. */
  readonly cacheMaxAgeSeconds: number;
}

/** Configuration of the time-stamping authority. */
export interface TsaConfig extends ListenerConfig {
  /** TSA policy OID put in every token (RFC 3161 §2.4.2); requests asking for another are rejected. */
  readonly policyOid: string;
}

const common = (defaultPort: number, bodyLimit: number): Schema => ({
  stateDir: { kind: 'string', required: true, doc: 'directory created by `tonle trust init`' },
  host: { kind: 'host', default: '127.0.0.1', doc: 'listen address' },
  port: { kind: 'port', default: defaultPort, doc: 'listen port, 0 = any free port' },
  keyPinFile: { kind: 'string', doc: 'file with the PIN of the service key' },
  bodyLimitBytes: { kind: 'integer', default: bodyLimit, min: 256, max: 10 * 1024 * 1024, doc: 'largest request body' },
});

const caSchema: Schema = {
  ...common(8090, 64 * 1024),
  instanceIdentifier: { kind: 'string', required: true, doc: 'X-Road instance identifier, e.g. EE' },
  ocspUrl: { kind: 'url', required: true, doc: 'URL of the OCSP responder, put in the AIA extension' },
  apiKeyFile: { kind: 'string', doc: 'file with the admin API key' },
  signCertValidityDays: { kind: 'integer', default: 365, min: 1, max: 3650, doc: 'validity of signing certificates' },
  authCertValidityDays: { kind: 'integer', default: 365, min: 1, max: 3650, doc: 'validity of authentication certificates' },
};

const ocspSchema: Schema = {
  ...common(8091, 16 * 1024),
  nextUpdateSeconds: { kind: 'integer', default: 3600, min: 60, max: 7 * 24 * 3600, doc: 'response validity' },
  cacheMaxAgeSeconds: { kind: 'integer', default: 60, min: 0, max: 3600, doc: 'Cache-Control max-age' },
};

const tsaSchema: Schema = {
  ...common(8092, 16 * 1024),
  // 2.999 is the ITU-T/ISO arc for examples: a real TSA sets its own policy OID.
  policyOid: { kind: 'oid', default: '2.999.3161.1', doc: 'TSA policy OID' },
};

/**
 * Loads the CA configuration (defaults < file < `TONLE_CA_*` env < overrides), validated and frozen.
 *
 * @example
 * ```ts
 * const config = loadCaConfig({ overrides: { stateDir: '/var/lib/tonle/trust', instanceIdentifier: 'EE', ocspUrl: 'http://ocsp.example' } });
 * ```
 */
export function loadCaConfig(sources: ConfigSources): CaConfig {
  return fillSecretFiles(loadWithSchema<CaConfig>('CA', 'CA', caSchema, sources), true);
}

/** Loads the OCSP responder configuration (`TONLE_OCSP_*`), validated and frozen. */
export function loadOcspConfig(sources: ConfigSources): OcspConfig {
  return fillSecretFiles(loadWithSchema<OcspConfig>('OCSP responder', 'OCSP', ocspSchema, sources), false);
}

/** Loads the TSA configuration (`TONLE_TSA_*`), validated and frozen. */
export function loadTsaConfig(sources: ConfigSources): TsaConfig {
  return fillSecretFiles(loadWithSchema<TsaConfig>('TSA', 'TSA', tsaSchema, sources), false);
}

/** Secret file paths default to `<stateDir>/secrets/...` when no source named them. */
function fillSecretFiles<T extends ListenerConfig>(config: T, withApiKey: boolean): T {
  const filled = { ...config } as unknown as Record<string, unknown>;
  filled['keyPinFile'] ??= join(config.stateDir, 'secrets', 'key-pin');
  if (withApiKey) filled['apiKeyFile'] ??= join(config.stateDir, 'secrets', 'admin-api-key');
  return Object.freeze(filled) as T;
}
