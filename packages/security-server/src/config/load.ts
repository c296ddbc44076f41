import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { envNameOf, settings, type Setting } from './schema.ts';

/** The validated, frozen configuration of one security server. */
export interface SecurityServerConfig {
  readonly serverId: string;
  readonly clientProxy: { readonly host: string; readonly port: number; readonly maxBodyBytes: number; readonly requestTimeoutMs: number };
  readonly serverProxy: { readonly host: string; readonly port: number; readonly maxBodyBytes: number };
  readonly tls: {
    /** Unset in operations mode, where the authentication certificate comes from the token. */
    readonly certificateFile?: string;
    readonly keyFile?: string;
    /** The PIN itself, read from `tls.keyPinFile`; never logged. */
    readonly keyPin?: string;
    readonly minVersion: 'TLSv1.2' | 'TLSv1.3';
  };
  readonly signing: {
    /** Unset in operations mode, where the signing key comes from the token. */
    readonly certificateFile?: string;
    readonly keyFile?: string;
    readonly keyPin?: string;
  };
  readonly globalConf: { readonly anchorFile?: string; readonly cacheFile: string; readonly pollIntervalMs: number };
  readonly messageLog: { readonly directory?: string; readonly checkpointIntervalMs: number };
  readonly serverConf: { readonly file: string };
  readonly spool: { readonly directory?: string; readonly memoryBytes: number };
  readonly transport: { readonly peerPort: number; readonly connectTimeoutMs: number; readonly responseTimeoutMs: number; readonly connectionsPerPeer: number };
  readonly log: { readonly level: string };
  /** Operations mode (token, keys, registration, admin API) when `dataDir` is set. */
  readonly operations: { readonly dataDir?: string; readonly pin?: string; readonly syncIntervalMs: number };
  readonly admin: { readonly host: string; readonly port: number; readonly apiKeyFile?: string };
  readonly monitoring: { readonly host: string; readonly port: number };
}

/** Thrown when the configuration is invalid; `violations` lists every problem found, not just the first. */
export class ConfigError extends Error {
  readonly code = 'TONLE_ERR_CONFIG_INVALID';
  readonly violations: readonly string[];
  constructor(violations: readonly string[]) {
    super(`The security server configuration is invalid; fix these settings:\n  - ${violations.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.violations = violations;
  }
}

export interface LoadConfigOptions {
  /** Path of a JSON configuration file; relative file settings inside it resolve against its folder. */
  readonly file?: string;
  /** The environment (`TONLE_*` variables override the file). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Folder that relative paths given in the environment resolve against. */
  readonly cwd?: string;
  /** Reads a secret file; injected for tests. */
  readonly readText?: (path: string) => string;
}

type Raw = Record<string, unknown>;

function getPath(obj: Raw, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, key)) return undefined;
    cur = (cur as Raw)[key];
  }
  return cur;
}

function setPath(obj: Raw, path: string, value: unknown): void {
  const keys = path.split('.');
  let cur = obj;
  for (const key of keys.slice(0, -1)) {
    const next = cur[key];
    if (next === undefined) cur[key] = {};
    cur = cur[key] as Raw;
  }
  cur[keys[keys.length - 1] as string] = value;
}

function unknownKeys(obj: unknown, prefix: string, out: string[]): void {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return;
  for (const [key, value] of Object.entries(obj)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const known = settings.some((s) => s.path === path || s.path.startsWith(`${path}.`));
    if (!known) out.push(`${path}: unknown setting (known settings are listed in docs/security-server.md)`);
    else if (!settings.some((s) => s.path === path)) unknownKeys(value, path, out);
  }
}

function coerce(setting: Setting, value: unknown, fromEnv: boolean, base: string, violations: string[]): unknown {
  const where = fromEnv ? `${envNameOf(setting.path)}` : setting.path;
  switch (setting.kind) {
    case 'int': {
      const n = typeof value === 'string' && fromEnv && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n)) {
        violations.push(`${where}: must be an integer, got ${JSON.stringify(value)}`);
        return undefined;
      }
      if ((setting.min !== undefined && n < setting.min) || (setting.max !== undefined && n > setting.max)) {
        violations.push(`${where}: must be between ${setting.min} and ${setting.max}, got ${n}`);
        return undefined;
      }
      return n;
    }
    case 'bool': {
      if (typeof value === 'boolean') return value;
      if (fromEnv && (value === 'true' || value === 'false')) return value === 'true';
      violations.push(`${where}: must be true or false`);
      return undefined;
    }
    case 'enum': {
      if (typeof value === 'string' && setting.values?.includes(value)) return value;
      violations.push(`${where}: must be one of ${setting.values?.join(', ')}, got ${JSON.stringify(value)}`);
      return undefined;
    }
    case 'string':
    case 'file':
    case 'secret-file': {
      if (typeof value !== 'string' || value.trim() === '') {
        violations.push(`${where}: must be a non-empty string`);
        return undefined;
      }
      if (setting.kind === 'string') return value;
      return isAbsolute(value) ? value : resolve(base, value);
    }
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * Loads the configuration: schema defaults, then the JSON file, then `TONLE_*` environment variables.
 * Every violation is collected and reported at once in one {@link ConfigError}; secrets are given by
 * file reference (`*.keyPinFile`) and read here, so they never appear in the file or environment.
 *
 * @example
 * const config = loadConfig({ file: 'ss-a.json', env: process.env, cwd: process.cwd() });
 */
export function loadConfig(options: LoadConfigOptions): SecurityServerConfig {
  const env = options.env ?? {};
  const cwd = options.cwd ?? '.';
  const readText = options.readText ?? ((p: string) => readFileSync(p, 'utf8'));
  const violations: string[] = [];
  let fileData: Raw = {};
  const fileBase = options.file === undefined ? cwd : dirname(resolve(cwd, options.file));
  if (options.file !== undefined) {
    try {
      const parsed: unknown = JSON.parse(readText(resolve(cwd, options.file)));
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        violations.push(`${options.file}: must hold a JSON object`);
      } else {
        fileData = parsed as Raw;
        unknownKeys(fileData, '', violations);
      }
    } catch (error) {
      violations.push(`${options.file}: cannot be read as JSON (${(error as Error).message})`);
    }
  }
  const out: Raw = {};
  for (const setting of settings) {
    const envValue = env[envNameOf(setting.path)];
    const fileValue = getPath(fileData, setting.path);
    let value: unknown;
    if (envValue !== undefined) value = coerce(setting, envValue, true, cwd, violations);
    else if (fileValue !== undefined) value = coerce(setting, fileValue, false, fileBase, violations);
    else if (setting.default !== undefined) {
      value = setting.kind === 'file' && typeof setting.default === 'string' ? resolve(fileBase, setting.default) : setting.default;
    }
    else if (setting.required === true) {
      violations.push(`${setting.path}: is required (or set ${envNameOf(setting.path)})`);
    } else if (setting.requiredUnless !== undefined) {
      const other = setting.requiredUnless;
      if (env[envNameOf(other)] === undefined && getPath(fileData, other) === undefined) {
        violations.push(`${setting.path}: is required unless ${other} is set (or set ${envNameOf(setting.path)})`);
      }
    }
    if (value === undefined) continue;
    if (setting.kind === 'secret-file') {
      // Secrets by file reference: the value kept is the secret, under the name without `File`.
      try {
        const secret = readText(value as string).replace(/\r?\n$/, '');
        if (secret === '') violations.push(`${setting.path}: the secret file is empty`);
        else setPath(out, setting.path.replace(/File$/, ''), secret);
      } catch {
        violations.push(`${setting.path}: cannot read the secret file ${String(value)}`);
      }
      continue;
    }
    setPath(out, setting.path, value);
  }
  if (violations.length > 0) throw new ConfigError(violations);
  // Every group exists even when all its settings are optional and unset.
  for (const setting of settings) {
    const group = setting.path.split('.')[0] as string;
    if (setting.path.includes('.') && out[group] === undefined) out[group] = {};
  }
  return deepFreeze(out) as unknown as SecurityServerConfig;
}
