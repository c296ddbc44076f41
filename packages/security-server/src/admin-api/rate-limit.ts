/** Fixed-window counters per client address: X-Road's admin API limits (xroad-digest §8.2: 20 req/s, 600 req/min per IP). */
export interface RateLimiter {
  /** True when the request may proceed; counts it. */
  take(address: string, now: number): boolean;
}

export function createRateLimiter({ perSecond, perMinute, maxAddresses = 10_000 }: { perSecond: number; perMinute: number; maxAddresses?: number }): RateLimiter {
  const windows = new Map<string, { second: number; secondCount: number; minute: number; minuteCount: number }>();
  return {
    take(address, now) {
      const second = Math.floor(now / 1000);
      const minute = Math.floor(now / 60_000);
      let w = windows.get(address);
      if (w === undefined) {
        // Bound memory under address spoofing: forget the oldest entry (Map keeps insertion order).
        if (windows.size >= maxAddresses) windows.delete(windows.keys().next().value as string);
        w = { second, secondCount: 0, minute, minuteCount: 0 };
        windows.set(address, w);
      }
      if (w.second !== second) {
        w.second = second;
        w.secondCount = 0;
      }
      if (w.minute !== minute) {
        w.minute = minute;
        w.minuteCount = 0;
      }
      if (w.secondCount >= perSecond || w.minuteCount >= perMinute) return false;
      w.secondCount++;
      w.minuteCount++;
      return true;
    },
  };
}
