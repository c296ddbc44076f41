import Fastify, { type FastifyInstance } from 'fastify';
import { PROMETHEUS_CONTENT_TYPE, type MetricsRegistry } from '../metrics/index.ts';
import type { Health } from './health.ts';

/**
 * The monitoring listener: `GET /metrics` (Prometheus text), `GET /health/live`, `GET /health/ready`
 * (200 / 503 with the failed checks). Meant for an internal port scraped by Prometheus and probed by the
 * load balancer; it exposes no secrets and changes nothing.
 *
 * @example
 * ```ts
 * const monitoring = createMonitoringApp({ metrics: registry, health });
 * await monitoring.listen({ host: '0.0.0.0', port: 9090 });
 * ```
 */
export function createMonitoringApp({ metrics, health }: { metrics: MetricsRegistry; health: Health }): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1024 });
  app.get('/metrics', async (_request, reply) => reply.type(PROMETHEUS_CONTENT_TYPE).send(metrics.render()));
  app.get('/health/live', async () => health.live());
  app.get('/health/ready', async (_request, reply) => {
    const readiness = await health.ready();
    return reply.status(readiness.ready ? 200 : 503).send(readiness);
  });
  app.setNotFoundHandler((_request, reply) => reply.status(404).send({ code: 'TONLE_ERR_ADMIN_NOT_FOUND', message: 'use /metrics, /health/live or /health/ready' }));
  return app;
}
