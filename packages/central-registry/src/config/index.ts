import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { RegistryError } from '../errors/index.ts';

/** A registry node's configuration file (`registry.json`), validated and frozen. */
export interface RegistryNodeConfig {
  readonly store: { readonly type: 'file'; readonly dir: string } | { readonly type: 'redis'; readonly url: string; readonly keyPrefix?: string };
  readonly admin: { readonly host: string; readonly port: number };
  readonly public: { readonly host: string; readonly port: number };
  /** This node's append-only audit log (JSON lines). */
  readonly auditLog: string;
  readonly regenerateIntervalSeconds: number;
  /** File holding the PIN that encrypts the configuration signing keys (secret by file reference). */
  readonly signingKeyPinFile?: string;
}

const DEFAULTS = { admin: { host: '127.0.0.1', port: 4000 }, public: { host: '127.0.0.1', port: 4001 }, regenerateIntervalSeconds: 60 };

/**
 * Reads and validates a config file; relative paths are resolved against the file's directory.
 * Every violation is reported at once (style.md, "Config").
 */
export async function loadRegistryConfig(path: string): Promise<RegistryNodeConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new RegistryError('TONLE_ERR_REGISTRY_CONFIG_INVALID', `Cannot read registry config ${path}: ${(cause as Error).message}`, { cause });
  }
  return parseRegistryConfig(raw, dirname(resolve(path)));
}

export function parseRegistryConfig(raw: unknown, baseDir: string): RegistryNodeConfig {
  const problems: string[] = [];
  const c = (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : (problems.push('the config must be a JSON object'), {})) as Record<string, unknown>;
  for (const key of Object.keys(c)) if (!['store', 'admin', 'public', 'auditLog', 'regenerateIntervalSeconds', 'signingKeyPinFile'].includes(key)) problems.push(`unknown field ${key}`);
  const path = (value: unknown, what: string): string => {
    if (typeof value !== 'string' || value.length === 0) {
      problems.push(`${what} must be a path`);
      return '';
    }
    return isAbsolute(value) ? value : resolve(baseDir, value);
  };
  const listener = (value: unknown, what: string, fallback: { host: string; port: number }) => {
    if (value === undefined) return fallback;
    const v = value as Record<string, unknown>;
    if (typeof v !== 'object' || v === null) {
      problems.push(`${what} must be { host, port }`);
      return fallback;
    }
    const host = v['host'] ?? fallback.host;
    const port = v['port'] ?? fallback.port;
    if (typeof host !== 'string' || !/^[A-Za-z0-9.:-]{1,253}$/.test(host)) problems.push(`${what}.host must be a host name or IP address`);
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) problems.push(`${what}.port must be an integer 0-65535`);
    for (const key of Object.keys(v)) if (key !== 'host' && key !== 'port') problems.push(`unknown field ${what}.${key}`);
    return { host: String(host), port: Number(port) };
  };
  let store: RegistryNodeConfig['store'] = { type: 'file', dir: '' };
  const s = c['store'] as Record<string, unknown> | undefined;
  if (s?.['type'] === 'file') store = { type: 'file', dir: path(s['dir'], 'store.dir') };
  else if (s?.['type'] === 'redis') {
    if (typeof s['url'] !== 'string' || !/^rediss?:\/\//.test(s['url'])) problems.push('store.url must be a redis:// or rediss:// URL');
    if (s['keyPrefix'] !== undefined && typeof s['keyPrefix'] !== 'string') problems.push('store.keyPrefix must be a string');
    store = { type: 'redis', url: String(s['url']), ...(typeof s['keyPrefix'] === 'string' ? { keyPrefix: s['keyPrefix'] } : {}) };
  } else problems.push('store must be { "type": "file", "dir" } or { "type": "redis", "url", "keyPrefix"? }');
  const interval = c['regenerateIntervalSeconds'] ?? DEFAULTS.regenerateIntervalSeconds;
  if (typeof interval !== 'number' || !Number.isInteger(interval) || interval < 1 || interval > 3600) problems.push('regenerateIntervalSeconds must be an integer 1-3600');
  const config: RegistryNodeConfig = {
    store,
    admin: listener(c['admin'], 'admin', DEFAULTS.admin),
    public: listener(c['public'], 'public', DEFAULTS.public),
    auditLog: path(c['auditLog'], 'auditLog'),
    regenerateIntervalSeconds: Number(interval),
    ...(c['signingKeyPinFile'] === undefined ? {} : { signingKeyPinFile: path(c['signingKeyPinFile'], 'signingKeyPinFile') }),
  };
  if (problems.length > 0) throw new RegistryError('TONLE_ERR_REGISTRY_CONFIG_INVALID', `Registry config is invalid: ${problems.join('; ')}.`, { details: problems });
  return Object.freeze(config);
}

/** Reads the signing-key PIN file named in the config (trailing newline removed), if any. */
export async function readSigningKeyPin(config: RegistryNodeConfig): Promise<string | undefined> {
  if (config.signingKeyPinFile === undefined) return undefined;
  try {
    const pin = (await readFile(config.signingKeyPinFile, 'utf8')).replace(/\r?\n$/, '');
    if (pin.length === 0) throw new Error('the file is empty');
    return pin;
  } catch (cause) {
    throw new RegistryError('TONLE_ERR_REGISTRY_CONFIG_INVALID', `Cannot read the signing-key PIN file ${config.signingKeyPinFile}: ${(cause as Error).message}`, { cause });
  }
}
