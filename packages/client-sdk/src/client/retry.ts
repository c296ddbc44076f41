import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Retry policy. Retries apply only to idempotent methods and only to failures safe to repeat.
 *
 * @example
 * ```ts
 * const client = createClient({ securityServer, client: me, retry: { retries: 4, minDelayMs: 200, onRetry: (i) => log.warn(i, 'retrying') } });
 * ```
 */
export interface RetryOptions {
  /** How many times to retry after the first attempt; 0 disables retries. Default 2. */
  readonly retries?: number;
  /** Delay before the first retry; doubles (by `factor`) each time. Default 100 ms. */
  readonly minDelayMs?: number;
  /** Cap of one delay, also of a `Retry-After` the server sent. Default 2000 ms. */
  readonly maxDelayMs?: number;
  /** Growth of the delay per retry. Default 2. */
  readonly factor?: number;
  /** Called before each retry, e.g. to log it. */
  readonly onRetry?: (info: RetryInfo) => void;
}

/**
 * What {@link RetryOptions.onRetry} is told.
 *
 * @example
 * ```ts
 * createClient({ securityServer, client: me, retry: { onRetry: ({ attempt, delayMs, reason }) => console.log(attempt, delayMs, reason) } });
 * ```
 */
export interface RetryInfo {
  /** 1 for the first retry. */
  readonly attempt: number;
  readonly delayMs: number;
  /** Why: `connect` (request never sent), `network-error-fault` (`Server.ClientProxy.NetworkError`) or `503`. */
  readonly reason: 'connect' | 'network-error-fault' | '503';
}

/** The resolved policy. */
export interface RetryPolicy {
  readonly retries: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  readonly factor: number;
  readonly onRetry: ((info: RetryInfo) => void) | undefined;
}

/**
 * RFC 9110 9.2.2: methods whose repetition has the same effect as one request. POST and PATCH are never
 * retried: the provider may have acted on the first attempt.
 *
 * @example
 * ```ts
 * IDEMPOTENT_METHODS.has('PUT'); // true
 * IDEMPOTENT_METHODS.has('POST'); // false: never retried
 * ```
 */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`retry.${name} must be a finite number >= 0, got ${String(value)}`);
  }
  return value;
}

/** Validates and completes retry options. `false` disables retries. */
export function resolveRetry(options: RetryOptions | false | undefined, base?: RetryPolicy): RetryPolicy {
  if (options === false) return { retries: 0, minDelayMs: 0, maxDelayMs: 0, factor: 1, onRetry: undefined };
  const retries = nonNegative(options?.retries, base?.retries ?? 2, 'retries');
  if (!Number.isInteger(retries)) throw new TypeError('retry.retries must be an integer');
  const factor = nonNegative(options?.factor, base?.factor ?? 2, 'factor');
  if (factor < 1) throw new TypeError('retry.factor must be >= 1');
  return {
    retries,
    minDelayMs: nonNegative(options?.minDelayMs, base?.minDelayMs ?? 100, 'minDelayMs'),
    maxDelayMs: nonNegative(options?.maxDelayMs, base?.maxDelayMs ?? 2000, 'maxDelayMs'),
    factor,
    onRetry: options?.onRetry ?? base?.onRetry,
  };
}

/** The delay before retry number `attempt` (1-based), honouring a `Retry-After` in seconds. */
export function retryDelay(policy: RetryPolicy, attempt: number, retryAfter: string | undefined): number {
  const computed = Math.min(policy.maxDelayMs, policy.minDelayMs * policy.factor ** (attempt - 1));
  if (retryAfter !== undefined && /^\d+$/.test(retryAfter.trim())) {
    return Math.min(policy.maxDelayMs, Number(retryAfter.trim()) * 1000);
  }
  return computed;
}

/** Waits, or rejects as soon as the signal fires. */
export async function backoff(delayMs: number, signal: AbortSignal | undefined): Promise<void> {
  await sleep(delayMs, undefined, signal === undefined ? undefined : { signal });
}
