import { createGlobalConfClient, GatewayFault } from '@tonle/protocol';
import type {
  Clock,
  ConfigurationAnchor,
  GlobalConfCache,
  GlobalConfClient,
  GlobalConfFetch,
  GlobalConfRefresh,
  VerifiedGlobalConfiguration,
} from '@tonle/protocol';
import { createFileGlobalConfCache } from './file-cache.ts';
import { createGlobalConfView } from './view.ts';
import type { GlobalConfView } from './view.ts';

/** The minimal logger the holder writes to (pino fits). */
export interface GlobalConfLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** Injected timers, so tests drive polling without waiting. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface GlobalConfHolderOptions {
  readonly anchor: ConfigurationAnchor;
  readonly clock: Clock;
  readonly fetch?: GlobalConfFetch;
  /** Where the last good configuration is kept (atomic writes). Mutually exclusive with `cache`. */
  readonly cacheFile?: string;
  readonly cache?: GlobalConfCache;
  readonly log?: GlobalConfLog;
  /** Poll period after a success (X-Road `update-interval`, 60 s). */
  readonly pollIntervalMs?: number;
  /** First retry delay after a failure; doubles per consecutive failure (X-Road 7.8 back-off, XRDDEV-2933). */
  readonly retryDelayMs?: number;
  /** Upper bound of the back-off. */
  readonly maxBackoffMs?: number;
  readonly timers?: Timers;
}

export type GlobalConfState = 'valid' | 'expired' | 'unavailable';

export interface GlobalConfStatus {
  readonly state: GlobalConfState;
  readonly version?: number;
  readonly expiresAtMs?: number;
  readonly lastSuccessAtMs?: number;
  readonly lastErrorCode?: string;
  readonly consecutiveFailures: number;
}

export interface GlobalConfHolder {
  /** Loads the disk cache, tries one download (failure is not fatal) and starts polling. */
  start(): Promise<void>;
  stop(): void;
  /** One download now; rejects with the client's GlobalConfError when every source fails. */
  refreshNow(): Promise<GlobalConfRefresh>;
  /**
   * The valid configuration's read model. Throws the `OutdatedGlobalConf` fault of the caller's side when there
   * is none or it expired (fail closed, architecture §9); succeeds again as soon as a fresh one verifies.
   */
  current(side: 'client' | 'server'): GlobalConfView;
  /** The last good configuration, expired or not (for admin and health, never for exchanging). */
  lastGood(): GlobalConfView | undefined;
  status(): GlobalConfStatus;
}

const defaultTimers: Timers = {
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

function positive(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0) throw new TypeError(`createGlobalConfHolder: ${name} must be a positive number of ms`);
  return v;
}

/**
 * The security server's global configuration holder: downloads and verifies through protocol's
 * `createGlobalConfClient`, keeps the last good copy on disk, polls every 60 s and backs off exponentially
 * after failures (xroad-digest §4.6).
 */
export function createGlobalConfHolder(options: GlobalConfHolderOptions): GlobalConfHolder {
  const { anchor, clock, log } = options;
  if (anchor === undefined || clock === undefined) throw new TypeError('createGlobalConfHolder: anchor and clock are required');
  if (options.cacheFile !== undefined && options.cache !== undefined) {
    throw new TypeError('createGlobalConfHolder: pass cacheFile or cache, not both');
  }
  const pollIntervalMs = positive(options.pollIntervalMs, 60_000, 'pollIntervalMs');
  const retryDelayMs = positive(options.retryDelayMs, 5_000, 'retryDelayMs');
  const maxBackoffMs = positive(options.maxBackoffMs, 300_000, 'maxBackoffMs');
  const timers = options.timers ?? defaultTimers;
  const cache =
    options.cache ??
    (options.cacheFile === undefined
      ? undefined
      : createFileGlobalConfCache({
          path: options.cacheFile,
          onError: (error) => log?.warn({ err: error }, 'global configuration cache unreadable; starting from the anchor'),
        }));
  const client: GlobalConfClient = createGlobalConfClient({
    anchor,
    clock,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(cache === undefined ? {} : { cache }),
  });
  const views = new WeakMap<VerifiedGlobalConfiguration, GlobalConfView>();
  let timer: unknown;
  let running = false;
  let consecutiveFailures = 0;
  let lastSuccessAtMs: number | undefined;
  let lastErrorCode: string | undefined;
  let inFlight: Promise<GlobalConfRefresh> | undefined;

  function viewOf(conf: VerifiedGlobalConfiguration): GlobalConfView {
    let view = views.get(conf);
    if (view === undefined) {
      view = createGlobalConfView(conf);
      views.set(conf, view);
    }
    return view;
  }

  function refreshNow(): Promise<GlobalConfRefresh> {
    // Single flight: a poll and an admin-triggered refresh share one download.
    inFlight ??= client
      .refresh()
      .then((result) => {
        if (consecutiveFailures > 0 || result.outcome === 'updated') {
          log?.info({ version: result.configuration.document.version, source: result.source }, 'global configuration updated');
        }
        consecutiveFailures = 0;
        lastErrorCode = undefined;
        lastSuccessAtMs = clock.now();
        return result;
      })
      .catch((error: unknown) => {
        consecutiveFailures++;
        lastErrorCode = (error as { code?: string }).code ?? 'UNKNOWN';
        log?.warn({ err: error, consecutiveFailures }, 'global configuration download failed; keeping the last good one');
        throw error;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  }

  function nextDelay(): number {
    if (consecutiveFailures === 0) return pollIntervalMs;
    return Math.min(retryDelayMs * 2 ** Math.min(consecutiveFailures - 1, 30), maxBackoffMs);
  }

  function schedule(): void {
    if (!running) return;
    timer = timers.setTimeout(() => {
      refreshNow()
        .catch(() => undefined)
        .finally(schedule);
    }, nextDelay());
  }

  return {
    async start() {
      if (running) return;
      await client.start();
      running = true;
      await refreshNow().catch(() => undefined);
      schedule();
    },
    stop() {
      running = false;
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
    },
    refreshNow,
    current(side) {
      const good = client.lastGood();
      if (good === undefined || clock.now() >= good.expiresAtMs) {
        throw new GatewayFault(
          side === 'client' ? 'Server.ClientProxy.OutdatedGlobalConf' : 'Server.ServerProxy.OutdatedGlobalConf',
          good === undefined
            ? 'No global configuration has been downloaded yet'
            : `Global configuration is expired (since ${good.document.expiresAt})`,
        );
      }
      return viewOf(good);
    },
    lastGood() {
      const good = client.lastGood();
      return good === undefined ? undefined : viewOf(good);
    },
    status() {
      const good = client.lastGood();
      const state: GlobalConfState = good === undefined ? 'unavailable' : clock.now() >= good.expiresAtMs ? 'expired' : 'valid';
      return {
        state,
        consecutiveFailures,
        ...(good === undefined ? {} : { version: good.document.version, expiresAtMs: good.expiresAtMs }),
        ...(lastSuccessAtMs === undefined ? {} : { lastSuccessAtMs }),
        ...(lastErrorCode === undefined ? {} : { lastErrorCode }),
      };
    },
  };
}
