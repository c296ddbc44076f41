import { readFileSync } from 'node:fs';
import { TrustServiceError } from '../errors/index.ts';

/** One field of a service configuration; defaults sit next to the field (fastify build-validation). */
export interface FieldSpec {
  readonly kind: 'string' | 'port' | 'integer' | 'url' | 'oid' | 'host';
  readonly required?: boolean;
  readonly default?: string | number;
  readonly min?: number;
  readonly max?: number;
  readonly doc: string;
}

export type Schema = Readonly<Record<string, FieldSpec>>;

/** Where a configuration comes from, lowest precedence first: defaults < file < env < overrides. */
export interface ConfigSources {
  /** Defaults known only at run time (e.g. from the state directory), below the file. */
  readonly defaults?: Readonly<Record<string, unknown>>;
  /** A JSON file with the fields of the schema. */
  readonly file?: string;
  /** Environment (`TONLE_<PREFIX>_<FIELD_IN_SNAKE_CASE>`), e.g. `TONLE_CA_STATE_DIR`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Values from command-line flags or code; `undefined` entries are ignored. */
  readonly overrides?: Readonly<Record<string, unknown>>;
}

const OID = /^[0-2](\.(0|[1-9][0-9]{0,9})){1,30}$/;
const HOST = /^[A-Za-z0-9.:-]{1,253}$/;

function envName(prefix: string, field: string): string {
  return `TONLE_${prefix}_${field.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/**
 * Merges the sources, validates every field, and returns a deep-frozen object. Throws one
 * `TONLE_ERR_TRUST_CONFIG_INVALID` carrying all violations (fastify initial-config-validation).
 */
export function loadWithSchema<T>(name: string, prefix: string, schema: Schema, sources: ConfigSources): T {
  const violations: string[] = [];
  const merged: Record<string, unknown> = {};
  for (const [field, spec] of Object.entries(schema)) if (spec.default !== undefined) merged[field] = spec.default;
  for (const [field, value] of Object.entries(sources.defaults ?? {})) if (value !== undefined) merged[field] = value;

  if (sources.file !== undefined) {
    try {
      const raw: unknown = JSON.parse(readFileSync(sources.file, 'utf8'));
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) violations.push(`${sources.file}: must hold a JSON object`);
      else Object.assign(merged, raw);
    } catch (e) {
      violations.push(`${sources.file}: cannot read JSON (${(e as Error).message})`);
    }
  }
  for (const field of Object.keys(schema)) {
    const value = sources.env?.[envName(prefix, field)];
    if (value !== undefined && value !== '') merged[field] = value;
  }
  for (const [field, value] of Object.entries(sources.overrides ?? {})) if (value !== undefined) merged[field] = value;

  const result: Record<string, unknown> = {};
  for (const field of Object.keys(merged)) {
    if (!(field in schema)) violations.push(`${field}: unknown setting (allowed: ${Object.keys(schema).join(', ')})`);
  }
  for (const [field, spec] of Object.entries(schema)) {
    const value = merged[field];
    if (value === undefined) {
      if (spec.required === true) violations.push(`${field}: required (${spec.doc}; env ${envName(prefix, field)})`);
      continue;
    }
    const checked = check(field, spec, value);
    if (typeof checked === 'string') violations.push(checked);
    else result[field] = checked.value;
  }
  if (violations.length > 0) {
    throw new TrustServiceError('TONLE_ERR_TRUST_CONFIG_INVALID', `Invalid ${name} configuration:\n  - ${violations.join('\n  - ')}`, { violations });
  }
  return Object.freeze(result) as T;
}

function check(field: string, spec: FieldSpec, value: unknown): { value: unknown } | string {
  switch (spec.kind) {
    case 'port':
    case 'integer': {
      const n = typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : value;
      const min = spec.kind === 'port' ? 0 : (spec.min ?? 0);
      const max = spec.kind === 'port' ? 65535 : (spec.max ?? Number.MAX_SAFE_INTEGER);
      if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) return `${field}: must be an integer in ${min}..${max}, got ${JSON.stringify(value)}`;
      return { value: n };
    }
    case 'string':
      if (typeof value !== 'string' || value.length === 0 || value.length > 4096) return `${field}: must be a non-empty string (${spec.doc})`;
      return { value };
    case 'host':
      if (typeof value !== 'string' || !HOST.test(value)) return `${field}: must be a host name or IP address, got ${JSON.stringify(value)}`;
      return { value };
    case 'oid':
      if (typeof value !== 'string' || !OID.test(value)) return `${field}: must be a dotted OID such as 1.3.6.1.4.1.x.y, got ${JSON.stringify(value)}`;
      return { value };
    case 'url': {
      if (typeof value !== 'string') return `${field}: must be an http(s) URL`;
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        return `${field}: must be an http(s) URL, got ${JSON.stringify(value)}`;
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${field}: must be an http(s) URL, got ${JSON.stringify(value)}`;
      return { value };
    }
  }
}
