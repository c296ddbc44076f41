/** health: liveness and readiness (architecture §9, §11), and the monitoring listener with /metrics. */
export { createHealth, type Health, type HealthSources, type Readiness, type ReadinessCheck } from './health.ts';
export { createMonitoringApp } from './monitoring-app.ts';
