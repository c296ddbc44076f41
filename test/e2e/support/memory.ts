/** The resident set size of this process while `work` runs: before, and the highest of samples every `everyMs`. */
export async function sampleRss<T>(work: () => Promise<T>, everyMs = 10): Promise<{ result: T; baseline: number; peak: number }> {
  // Start from a collected heap when the runner exposes gc (node --expose-gc), so the baseline is honest.
  (globalThis as { gc?: () => void }).gc?.();
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, everyMs);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, baseline, peak };
  } finally {
    clearInterval(timer);
  }
}
