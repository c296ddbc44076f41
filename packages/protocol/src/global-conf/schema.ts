/**
 * A strict structural checker for the configuration and the anchor: every unknown field, wrong type or
 * malformed value becomes one issue with its JSON path, and all issues are reported at once.
 */
import type { GlobalConfIssue } from './errors.ts';

type Check<T> = (value: unknown, path: string, issues: GlobalConfIssue[]) => T | undefined;

// pr-rest 4.8 / pr-mess 2.7: identifier parts use only these characters, at most 255 of them.
const IDENTIFIER = /^[A-Za-z0-9'()+,\-.=?]{1,255}$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const HTTP_URL = /^https?:\/\/[^\s/?#@]+(?:[/?#][^\s]*)?$/;
// Host name, IPv4 or bracket-less IPv6 literal; no scheme, path or whitespace.
const HOST = /^[A-Za-z0-9.:-]{1,253}$/;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

export function string(options: { pattern?: RegExp; what?: string; max?: number; min?: number } = {}): Check<string> {
  const max = options.max ?? 4096;
  const min = options.min ?? 0;
  return (value, path, issues) => {
    if (typeof value !== 'string') {
      issues.push({ path, message: `expected a string, got ${describe(value)}` });
      return undefined;
    }
    if (value.length < min || value.length > max) {
      issues.push({ path, message: `expected ${min}-${max} characters, got ${value.length}` });
      return undefined;
    }
    if (options.pattern !== undefined && !options.pattern.test(value)) {
      issues.push({ path, message: `expected ${options.what ?? `a string matching ${String(options.pattern)}`}` });
      return undefined;
    }
    return value;
  };
}

export const identifier: Check<string> = string({ pattern: IDENTIFIER, what: "an identifier of 1-255 characters from A-Za-z0-9'()+,-.=?" });
export const instant: Check<string> = (value, path, issues) => {
  const text = string({ pattern: ISO_INSTANT, what: 'an ISO 8601 UTC instant like 2026-01-31T12:00:00.000Z' })(value, path, issues);
  if (text === undefined) return undefined;
  if (Number.isNaN(Date.parse(text))) {
    issues.push({ path, message: 'expected a real calendar instant' });
    return undefined;
  }
  return text;
};
export const base64Der: Check<string> = string({ pattern: BASE64, what: 'standard base64 of DER', min: 4, max: 65536 });
export const sha256Hex: Check<string> = string({ pattern: SHA256_HEX, what: '64 lowercase hex digits (SHA-256)' });
export const httpUrl: Check<string> = string({ pattern: HTTP_URL, what: 'an absolute http(s) URL', max: 2048 });
export const host: Check<string> = string({ pattern: HOST, what: 'a host name or IP address (no scheme or path)' });
export const text: Check<string> = string({ max: 1024 });
export const base64Url: Check<string> = string({ pattern: BASE64URL, what: 'base64url without padding', max: 2048 });

export function integer(options: { min: number; max: number }): Check<number> {
  return (value, path, issues) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      issues.push({ path, message: `expected an integer, got ${describe(value)}` });
      return undefined;
    }
    if (value < options.min || value > options.max) {
      issues.push({ path, message: `expected ${options.min}..${options.max}, got ${value}` });
      return undefined;
    }
    return value;
  };
}

export const boolean: Check<boolean> = (value, path, issues) => {
  if (typeof value !== 'boolean') {
    issues.push({ path, message: `expected a boolean, got ${describe(value)}` });
    return undefined;
  }
  return value;
};

export function literal<const T extends string | number>(...allowed: readonly T[]): Check<T> {
  return (value, path, issues) => {
    if (!allowed.includes(value as T)) {
      issues.push({ path, message: `expected one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}` });
      return undefined;
    }
    return value as T;
  };
}

export function array<T>(item: Check<T>, options: { max?: number; unique?: (item: T) => string } = {}): Check<readonly T[]> {
  const max = options.max ?? 100_000;
  return (value, path, issues) => {
    if (!Array.isArray(value)) {
      issues.push({ path, message: `expected an array, got ${describe(value)}` });
      return undefined;
    }
    if (value.length > max) {
      issues.push({ path, message: `expected at most ${max} items, got ${value.length}` });
      return undefined;
    }
    const out: T[] = [];
    const seen = new Map<string, number>();
    let ok = true;
    value.forEach((element, index) => {
      const checked = item(element, `${path}[${index}]`, issues);
      if (checked === undefined) {
        ok = false;
        return;
      }
      if (options.unique !== undefined) {
        const key = options.unique(checked);
        const first = seen.get(key);
        if (first !== undefined) {
          issues.push({ path: `${path}[${index}]`, message: `duplicate of ${path}[${first}] (${key})` });
          ok = false;
        } else seen.set(key, index);
      }
      out.push(checked);
    });
    return ok ? out : undefined;
  };
}

type Shape = Record<string, Check<unknown>>;
type Out<S extends Shape, O extends keyof S> = { -readonly [K in Exclude<keyof S, O>]: S[K] extends Check<infer T> ? T : never } & {
  -readonly [K in O]?: S[K] extends Check<infer T> ? T : never;
};

/** An object with exactly these fields (those named in `optional` may be absent); anything else is an issue. */
export function object<S extends Shape, O extends keyof S = never>(shape: S, optional: readonly O[] = []): Check<Out<S, O>> {
  return (value, path, issues) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      issues.push({ path, message: `expected an object, got ${describe(value)}` });
      return undefined;
    }
    const record = value as Record<string, unknown>;
    let ok = true;
    for (const key of Object.keys(record)) {
      if (!Object.hasOwn(shape, key)) {
        issues.push({ path: `${path}.${key}`, message: 'unknown field; remove it (the format is strict)' });
        ok = false;
      }
    }
    const out: Record<string, unknown> = {};
    for (const [key, check] of Object.entries(shape)) {
      if (!Object.hasOwn(record, key) || record[key] === undefined) {
        if (!(optional as readonly string[]).includes(key)) {
          issues.push({ path: `${path}.${key}`, message: 'missing required field' });
          ok = false;
        }
        continue;
      }
      const checked = check(record[key], `${path}.${key}`, issues);
      if (checked === undefined) ok = false;
      else out[key] = checked;
    }
    return ok ? (out as Out<S, O>) : undefined;
  };
}

/** Deep-freezes a plain JSON value so a verified document cannot be changed after the checks. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

export type { Check };
