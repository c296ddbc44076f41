import { createHash } from 'node:crypto';
import { assertOcspGood, buildOcspRequest, parseCertificate, PkiError, verifyOcspResponse } from '@tonle/pki';
import type { OcspVerification } from '@tonle/pki';
import type { Clock } from '@tonle/protocol';
import type { GlobalConfView } from '../global-conf/index.ts';
import type { CachedOcspResponse, OcspCache } from './cache.ts';
import { OcspError } from './errors.ts';

/** What the OCSP service reads from the global configuration. */
export type OcspGlobalConf = Pick<GlobalConfView, 'findIssuer' | 'ocspFreshnessSeconds' | 'version'>;

/** The part of `fetch` used to reach responders (undici's fetch fits; tests may pass their own). */
export type OcspFetch = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: Uint8Array; signal: AbortSignal; redirect: 'error' },
) => Promise<{ status: number; headers: { get(name: string): string | null }; arrayBuffer(): Promise<ArrayBuffer> }>;

export interface OcspLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface OcspTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface OcspServiceOptions {
  readonly globalConf: { current(side: 'client' | 'server'): OcspGlobalConf };
  readonly clock: Clock;
  readonly cache: OcspCache;
  readonly fetch?: OcspFetch;
  readonly log?: OcspLog;
  /** How often own responses are re-fetched (X-Road `ocspFetchInterval`, 1200 s). */
  readonly fetchIntervalMs?: number;
  /** Delay before retrying after a failed round (X-Road: 60 s). */
  readonly retryDelayMs?: number;
  readonly requestTimeoutMs?: number;
  readonly maxResponseBytes?: number;
  readonly timers?: OcspTimers;
}

/** A verified, good status of a peer's certificate, cached until `validUntil`. */
export interface OcspVerdict {
  readonly status: 'good';
  readonly thisUpdate: number;
  readonly nextUpdate?: number;
  readonly producedAt: number;
  /** Until when this verdict may be reused: min(thisUpdate + freshness, nextUpdate). */
  readonly validUntil: number;
}

export interface OcspService {
  /** Adds one of this server's own certificates (DER) to keep a fresh response for. */
  addOwnCertificate(certificate: Uint8Array): void;
  removeOwnCertificate(certificate: Uint8Array): void;
  /**
   * A fresh, good DER OCSP response for an own certificate, to staple to what this server sends. Fetches when the
   * cache has none; throws `TONLE_ERR_OCSP_CERT_UNUSABLE` when no fresh response can be had (architecture §9).
   */
  staple(certificate: Uint8Array): Promise<Uint8Array>;
  /** Fetches, verifies and caches a response for one certificate now. */
  refresh(certificate: Uint8Array): Promise<CachedOcspResponse>;
  /** Refreshes every own certificate; failures are logged and counted, not thrown. */
  refreshAll(): Promise<{ readonly refreshed: number; readonly failed: number }>;
  /**
   * Verifies a peer's stapled response: about this certificate, signed by its approved CA or the CA's delegated
   * / configured responder, status good, not older than `ocspFreshnessSeconds`, `nextUpdate` not passed. The
   * verdict is cached until it expires, so a busy peer's response is verified once.
   * Throws OcspError (`_UNKNOWN_ISSUER`, `_INVALID_RESPONSE` with `pkiCode`, `_NOT_GOOD`), or the side's
   * `OutdatedGlobalConf` fault when the configuration expired.
   */
  verifyPeer(input: { certificate: Uint8Array; response: Uint8Array; issuer?: Uint8Array }, side: 'client' | 'server'): OcspVerdict;
  /** Starts the periodic refresh of own certificates (first round immediately). */
  start(): void;
  stop(): void;
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

const defaultTimers: OcspTimers = {
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

function defaultFetch(): OcspFetch {
  const f = (globalThis as { fetch?: OcspFetch }).fetch;
  if (f === undefined) throw new TypeError('createOcspService: no global fetch; pass options.fetch');
  return (url, init) => f(url, init);
}

/**
 * The OCSP service of a security server (xroad-digest §5, architecture §7): keeps fresh responses for its own
 * certificates from their CA's responders (URLs from the global configuration, then the certificate's AIA),
 * staples them, and verifies peers' stapled responses.
 */
export function createOcspService(options: OcspServiceOptions): OcspService {
  const { globalConf, clock, cache, log } = options;
  if (globalConf === undefined || clock === undefined || cache === undefined) {
    throw new TypeError('createOcspService: globalConf, clock and cache are required');
  }
  const fetchImpl = options.fetch ?? defaultFetch();
  const fetchIntervalMs = options.fetchIntervalMs ?? 1_200_000;
  const retryDelayMs = options.retryDelayMs ?? 60_000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const maxResponseBytes = options.maxResponseBytes ?? 64 * 1024;
  const timers = options.timers ?? defaultTimers;
  const own = new Map<string, Uint8Array>();
  const verdicts = new Map<string, OcspVerdict>();
  const inFlight = new Map<string, Promise<CachedOcspResponse>>();
  let timer: unknown;
  let running = false;

  const freshnessMs = (conf: OcspGlobalConf): number => conf.ocspFreshnessSeconds * 1000;
  const usableUntil = (thisUpdate: number, nextUpdate: number | undefined, conf: OcspGlobalConf): number =>
    Math.min(thisUpdate + freshnessMs(conf), nextUpdate ?? Number.POSITIVE_INFINITY);

  function verify(
    certificate: Uint8Array,
    issuer: Uint8Array,
    response: Uint8Array,
    trustedResponders: readonly Uint8Array[],
    conf: OcspGlobalConf,
  ): OcspVerification {
    let result: OcspVerification;
    try {
      result = verifyOcspResponse({ response, certificate, issuer, at: clock.now(), maxAgeMs: freshnessMs(conf), trustedResponders });
    } catch (e) {
      if (e instanceof PkiError) {
        throw new OcspError('TONLE_ERR_OCSP_INVALID_RESPONSE', `The OCSP response is not acceptable: ${e.message}`, {
          cause: e,
          pkiCode: e.code,
        });
      }
      throw new OcspError('TONLE_ERR_OCSP_INVALID_RESPONSE', 'The OCSP response cannot be read.', { cause: e });
    }
    try {
      assertOcspGood(result);
    } catch (e) {
      throw new OcspError('TONLE_ERR_OCSP_NOT_GOOD', `The certificate's OCSP status is ${result.status}.`, {
        cause: e,
        pkiCode: (e as { code?: string }).code ?? 'UNKNOWN',
      });
    }
    return result;
  }

  function issuerOf(certificate: Uint8Array, conf: OcspGlobalConf, given?: Uint8Array) {
    const found = conf.findIssuer(certificate);
    if (found === undefined) {
      throw new OcspError(
        'TONLE_ERR_OCSP_UNKNOWN_ISSUER',
        'The certificate was not issued by an approved CA of the global configuration.',
      );
    }
    if (given !== undefined && sha256(given) !== sha256(found.issuer)) {
      throw new OcspError('TONLE_ERR_OCSP_UNKNOWN_ISSUER', 'The given issuer is not the approved CA that issued the certificate.');
    }
    return found;
  }

  async function post(url: string, body: Uint8Array): Promise<Uint8Array> {
    let res: Awaited<ReturnType<OcspFetch>>;
    try {
      // RFC 6960 Appendix A.1: POST with Content-Type application/ocsp-request.
      res = await fetchImpl(url, {
        method: 'POST',
        headers: { 'content-type': 'application/ocsp-request', accept: 'application/ocsp-response' },
        body,
        signal: AbortSignal.timeout(requestTimeoutMs),
        redirect: 'error',
      });
    } catch (e) {
      throw new OcspError('TONLE_ERR_OCSP_FETCH_FAILED', `The OCSP responder ${url} is unreachable.`, { cause: e });
    }
    if (res.status !== 200) {
      throw new OcspError('TONLE_ERR_OCSP_FETCH_FAILED', `The OCSP responder ${url} answered HTTP ${res.status}.`);
    }
    const length = Number(res.headers.get('content-length') ?? '0');
    if (length > maxResponseBytes) {
      throw new OcspError('TONLE_ERR_OCSP_FETCH_FAILED', `The OCSP responder ${url} sent more than ${maxResponseBytes} bytes.`);
    }
    const tooLarge = () =>
      new OcspError('TONLE_ERR_OCSP_FETCH_FAILED', `The OCSP responder ${url} sent more than ${maxResponseBytes} bytes.`);
    try {
      // Stream with a cap when the response has a body stream (undici's fetch), so an endless answer cannot
      // fill memory; fall back to arrayBuffer() for minimal fetch implementations.
      const body = (res as { body?: unknown }).body;
      if (body !== null && typeof body === 'object' && Symbol.asyncIterator in body) {
        const chunks: Uint8Array[] = [];
        let total = 0;
        for await (const chunk of body as AsyncIterable<Uint8Array>) {
          total += chunk.length;
          if (total > maxResponseBytes) throw tooLarge();
          chunks.push(chunk);
        }
        return new Uint8Array(Buffer.concat(chunks));
      }
      const bytes = new Uint8Array(await res.arrayBuffer());
      if (bytes.length > maxResponseBytes) throw tooLarge();
      return bytes;
    } catch (e) {
      if (e instanceof OcspError) throw e;
      throw new OcspError('TONLE_ERR_OCSP_FETCH_FAILED', `Reading the answer of ${url} failed.`, { cause: e });
    }
  }

  async function fetchFresh(certificate: Uint8Array): Promise<CachedOcspResponse> {
    // Throws OutdatedGlobalConf when the configuration expired: OCSP refresh stops with it (xroad-digest §4.6).
    const conf = globalConf.current('client');
    const { ca, issuer } = issuerOf(certificate, conf);
    let aia: readonly string[];
    try {
      aia = parseCertificate(certificate).ocspUrls;
    } catch {
      aia = [];
    }
    const urls = [...new Set([...ca.ocspResponders.map((r) => r.url), ...aia])];
    if (urls.length === 0) {
      throw new OcspError('TONLE_ERR_OCSP_NO_RESPONDER', `CA ${ca.name} lists no OCSP responder and the certificate has no AIA URL.`);
    }
    const trusted = ca.ocspResponders.flatMap((r) => (r.certificate === undefined ? [] : [r.certificate]));
    const request = buildOcspRequest({ certificate, issuer });
    const failures: unknown[] = [];
    for (const url of urls) {
      try {
        const response = await post(url, request.der);
        const result = verify(certificate, issuer, response, trusted, conf);
        const entry: CachedOcspResponse = {
          response,
          thisUpdate: result.thisUpdate,
          ...(result.nextUpdate === undefined ? {} : { nextUpdate: result.nextUpdate }),
          fetchedAt: clock.now(),
        };
        const ttl = usableUntil(result.thisUpdate, result.nextUpdate, conf) - clock.now();
        if (ttl > 0) await cache.set(sha256(certificate), entry, ttl);
        return entry;
      } catch (e) {
        if (e instanceof OcspError && e.code === 'TONLE_ERR_OCSP_NOT_GOOD') {
          // A revoked certificate must stop being stapled at once, whatever the cache holds.
          await cache.delete(sha256(certificate));
          throw e;
        }
        failures.push(e);
      }
    }
    const first = failures[0] as OcspError | undefined;
    throw new OcspError(
      first?.code ?? 'TONLE_ERR_OCSP_FETCH_FAILED',
      `No OCSP responder gave a usable response (${urls.join(', ')}).`,
      { cause: failures.length === 1 ? failures[0] : failures, ...(first?.pkiCode === undefined ? {} : { pkiCode: first.pkiCode }) },
    );
  }

  function refresh(certificate: Uint8Array): Promise<CachedOcspResponse> {
    const key = sha256(certificate);
    let p = inFlight.get(key);
    if (p === undefined) {
      p = fetchFresh(certificate).finally(() => inFlight.delete(key));
      inFlight.set(key, p);
    }
    return p;
  }

  async function freshCached(certificate: Uint8Array): Promise<CachedOcspResponse | undefined> {
    const entry = await cache.get(sha256(certificate));
    if (entry === undefined) return undefined;
    const conf = globalConf.current('client');
    return clock.now() < usableUntil(entry.thisUpdate, entry.nextUpdate, conf) ? entry : undefined;
  }

  async function refreshAll() {
    let refreshed = 0;
    let failed = 0;
    for (const cert of own.values()) {
      try {
        await refresh(cert);
        refreshed++;
      } catch (e) {
        failed++;
        log?.warn({ err: e, cert: sha256(cert) }, 'OCSP refresh failed; cached response used while fresh');
      }
    }
    return { refreshed, failed };
  }

  function schedule(delay: number): void {
    if (!running) return;
    timer = timers.setTimeout(() => {
      refreshAll()
        .then(({ failed }) => schedule(failed > 0 ? Math.min(retryDelayMs, fetchIntervalMs) : fetchIntervalMs))
        .catch(() => schedule(retryDelayMs));
    }, delay);
  }

  return {
    addOwnCertificate(certificate) {
      if (!(certificate instanceof Uint8Array)) throw new TypeError('addOwnCertificate(certificate): pass DER bytes');
      own.set(sha256(certificate), certificate);
    },
    removeOwnCertificate(certificate) {
      own.delete(sha256(certificate));
    },
    async staple(certificate) {
      if (!(certificate instanceof Uint8Array)) throw new TypeError('staple(certificate): pass DER bytes');
      const cached = await freshCached(certificate);
      if (cached !== undefined) {
        // Refresh ahead of expiry in the background (X-Road fetch interval), keep stapling the cached one.
        if (clock.now() - cached.fetchedAt >= fetchIntervalMs) refresh(certificate).catch(() => undefined);
        return cached.response;
      }
      try {
        return (await refresh(certificate)).response;
      } catch (e) {
        if (e instanceof OcspError && e.code === 'TONLE_ERR_OCSP_NOT_GOOD') throw e;
        const again = await freshCached(certificate);
        if (again !== undefined) return again.response;
        throw new OcspError(
          'TONLE_ERR_OCSP_CERT_UNUSABLE',
          'No fresh OCSP response for this certificate and its responder cannot give one; the certificate is unusable until it does.',
          { cause: e, ...(e instanceof OcspError && e.pkiCode !== undefined ? { pkiCode: e.pkiCode } : {}) },
        );
      }
    },
    refresh,
    refreshAll,
    verifyPeer({ certificate, response, issuer }, side) {
      if (!(certificate instanceof Uint8Array) || !(response instanceof Uint8Array)) {
        throw new TypeError('verifyPeer: certificate and response must be DER bytes');
      }
      const conf = globalConf.current(side);
      // The configuration version is part of the key: a CA or responder removed from the configuration stops
      // counting at once, not when a cached verdict expires.
      const key = `${conf.version}|${sha256(certificate)}|${sha256(response)}`;
      const cached = verdicts.get(key);
      if (cached !== undefined && clock.now() < cached.validUntil) return cached;
      const found = issuerOf(certificate, conf, issuer);
      const trusted = found.ca.ocspResponders.flatMap((r) => (r.certificate === undefined ? [] : [r.certificate]));
      const result = verify(certificate, found.issuer, response, trusted, conf);
      const verdict: OcspVerdict = Object.freeze({
        status: 'good',
        thisUpdate: result.thisUpdate,
        ...(result.nextUpdate === undefined ? {} : { nextUpdate: result.nextUpdate }),
        producedAt: result.producedAt,
        validUntil: usableUntil(result.thisUpdate, result.nextUpdate, conf),
      });
      if (verdicts.size >= 10_000) verdicts.clear();
      verdicts.set(key, verdict);
      return verdict;
    },
    start() {
      if (running) return;
      running = true;
      schedule(0);
    },
    stop() {
      running = false;
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
    },
  };
}
