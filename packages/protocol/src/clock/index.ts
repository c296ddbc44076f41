/**
 * The one source of "now" for everything whose validity depends on time: certificates, OCSP freshness,
 * configuration expiry, time-stamps. Injected everywhere (PKI.js `checkDate`, jose `currentDate`) so
 * tests can run at any instant.
 *
 * @example
 * ```ts
 * import { systemClock, type Clock } from '@tonle/protocol';
 * function isExpired(expiresAt: number, clock: Clock = systemClock): boolean {
 *   return clock.now() >= expiresAt;
 * }
 * ```
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** The wall clock. Only composition roots should pass it in; libraries take a `Clock` argument. */
export const systemClock: Clock = {
  // eslint-disable-next-line no-restricted-properties -- the one place that reads the wall clock
  now: () => Date.now(),
};
