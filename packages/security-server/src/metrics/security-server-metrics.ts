import type { Clock } from '@tonle/protocol';
import type { GlobalConfStatus } from '../global-conf/index.ts';
import type { CertificateRecord } from '../keys/index.ts';
import type { Counter, Histogram, MetricsRegistry } from './registry.ts';

/** Latency buckets in seconds: sub-millisecond hops up to X-Road's default 60 s service timeout. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const;
export const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256] as const;
export const COMMIT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] as const;

export interface SecurityServerMetricsSources {
  readonly globalConf?: () => GlobalConfStatus;
  readonly certificates?: () => readonly CertificateRecord[];
  readonly tokenLoggedIn?: () => boolean;
  readonly timestamping?: () => readonly { readonly name: string; readonly ok: boolean }[];
}

export interface RequestObservation {
  readonly side: 'client' | 'server';
  /** Client id text (`EE/GOV/1234/sub`), or `unknown` before it is parsed. */
  readonly client: string;
  readonly service: string;
  /** X-Road fault code, or absent for success. */
  readonly faultCode?: string;
  readonly durationMs: number;
}

export interface SecurityServerMetrics {
  readonly requests: Counter;
  readonly requestDuration: Histogram;
  readonly signingBatchSize: Histogram;
  readonly logCommitSeconds: Histogram;
  readonly logCommitRecords: Histogram;
  /** One finished request (architecture §11: by client, service and fault code, with latency). */
  recordRequest(o: RequestObservation): void;
  /** Pass as the batch signer's `metrics.onBatch`. */
  onBatch(size: number): void;
  /** One message-log group commit: its latency (write + fsync) and how many records it made durable. */
  onLogCommit(durationMs: number, records: number): void;
}

/**
 * The security server's metric set on a registry (architecture §11). The proxies call `recordRequest`,
 * the batch signer `onBatch`, the message log `onLogCommit`; gauges read their sources at scrape time.
 *
 * @example
 * ```ts
 * const metrics = createSecurityServerMetrics({ registry, clock, sources: { globalConf: () => holder.status() } });
 * metrics.recordRequest({ side: 'client', client, service, durationMs: 12 });
 * ```
 */
export function createSecurityServerMetrics({ registry, clock, sources = {} }: { registry: MetricsRegistry; clock: Clock; sources?: SecurityServerMetricsSources }): SecurityServerMetrics {
  const requests = registry.counter({ name: 'tonle_requests_total', help: 'Mediated requests by side, client, service and fault code (empty = success).', labelNames: ['side', 'client', 'service', 'fault_code'] });
  const requestDuration = registry.histogram({ name: 'tonle_request_duration_seconds', help: 'Time from request in to response out, by side and service.', labelNames: ['side', 'service'], buckets: LATENCY_BUCKETS });
  const signingBatchSize = registry.histogram({ name: 'tonle_signing_batch_size', help: 'Messages covered by one batch signature.', buckets: BATCH_SIZE_BUCKETS });
  const logCommitSeconds = registry.histogram({ name: 'tonle_message_log_commit_seconds', help: 'Message-log group commit (fsync) latency.', buckets: COMMIT_BUCKETS });
  const logCommitRecords = registry.histogram({ name: 'tonle_message_log_commit_records', help: 'Records (messages, materials, checkpoints) made durable by one message-log group commit.', buckets: BATCH_SIZE_BUCKETS });

  registry.gauge({
    name: 'tonle_globalconf_valid',
    help: '1 while the global configuration is valid, 0 when expired or unavailable.',
    collect(set) {
      if (sources.globalConf) set({}, sources.globalConf().state === 'valid' ? 1 : 0);
    },
  });
  registry.gauge({
    name: 'tonle_globalconf_age_seconds',
    help: 'Seconds since the last successful global configuration download.',
    collect(set) {
      const st = sources.globalConf?.();
      if (st?.lastSuccessAtMs !== undefined) set({}, (clock.now() - st.lastSuccessAtMs) / 1000);
    },
  });
  registry.gauge({
    name: 'tonle_globalconf_expires_in_seconds',
    help: 'Seconds until the current global configuration expires (negative: expired).',
    collect(set) {
      const st = sources.globalConf?.();
      if (st?.expiresAtMs !== undefined) set({}, (st.expiresAtMs - clock.now()) / 1000);
    },
  });
  registry.gauge({
    name: 'tonle_certificate_expires_in_seconds',
    help: 'Seconds until each certificate on the token expires.',
    labelNames: ['hash', 'usage'],
    collect(set) {
      for (const c of sources.certificates?.() ?? []) set({ hash: c.hash, usage: c.usage }, (c.notAfter - clock.now()) / 1000);
    },
  });
  registry.gauge({
    name: 'tonle_certificate_ocsp_good',
    help: '1 when the last OCSP status of an active certificate is good and not past nextUpdate.',
    labelNames: ['hash', 'usage'],
    collect(set) {
      const now = clock.now();
      for (const c of sources.certificates?.() ?? []) {
        if (!c.active) continue;
        const good = c.ocsp?.status === 'good' && (c.ocsp.nextUpdate === undefined || c.ocsp.nextUpdate > now);
        set({ hash: c.hash, usage: c.usage }, good ? 1 : 0);
      }
    },
  });
  registry.gauge({
    name: 'tonle_token_logged_in',
    help: '1 while the software token is logged in.',
    collect(set) {
      if (sources.tokenLoggedIn) set({}, sources.tokenLoggedIn() ? 1 : 0);
    },
  });
  registry.gauge({
    name: 'tonle_timestamping_ok',
    help: '1 when the time-stamping service answered the last request.',
    labelNames: ['name'],
    collect(set) {
      for (const t of sources.timestamping?.() ?? []) set({ name: t.name }, t.ok ? 1 : 0);
    },
  });

  return {
    requests,
    requestDuration,
    signingBatchSize,
    logCommitSeconds,
    logCommitRecords,
    recordRequest(o) {
      requests.inc({ side: o.side, client: o.client, service: o.service, fault_code: o.faultCode ?? '' });
      requestDuration.observe({ side: o.side, service: o.service }, Math.max(0, o.durationMs) / 1000);
    },
    onBatch(size) {
      signingBatchSize.observe({}, size);
    },
    onLogCommit(durationMs, records) {
      logCommitSeconds.observe({}, Math.max(0, durationMs) / 1000);
      logCommitRecords.observe({}, records);
    },
  };
}
