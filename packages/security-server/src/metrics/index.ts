/** metrics: a small Prometheus registry and the security server's metric set (architecture §11). */
export {
  createMetricsRegistry,
  PROMETHEUS_CONTENT_TYPE,
  type Counter,
  type Gauge,
  type Histogram,
  type Labels,
  type MetricsRegistry,
} from './registry.ts';
export {
  createSecurityServerMetrics,
  LATENCY_BUCKETS,
  BATCH_SIZE_BUCKETS,
  COMMIT_BUCKETS,
  type RequestObservation,
  type SecurityServerMetrics,
  type SecurityServerMetricsSources,
} from './security-server-metrics.ts';
