import type { ServerConfStore } from './store.ts';

/**
 * A store in process memory: for tests and for tools that build a configuration before writing it out.
 * Same compare-and-set contract as the file and Redis stores (and the same test suite).
 */
export function createMemoryServerConfStore(initial?: unknown): ServerConfStore {
  let text = initial === undefined ? undefined : JSON.stringify(initial);
  let version = initial === undefined ? 0 : Number((initial as { version?: unknown }).version ?? 0);
  return {
    async read() {
      return text === undefined ? undefined : (JSON.parse(text) as unknown);
    },
    async compareAndSet(expectedVersion, next) {
      if (version !== expectedVersion) return false;
      text = JSON.stringify(next);
      version = next.version;
      return true;
    },
    async close() {},
  };
}
