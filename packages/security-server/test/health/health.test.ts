import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHealth, createMonitoringApp } from '../../src/health/index.ts';
import { createMetricsRegistry, createSecurityServerMetrics } from '../../src/metrics/index.ts';
import type { GlobalConfStatus } from '../../src/global-conf/index.ts';
import type { MessageLogStatus } from '../../src/message-log/index.ts';
import { createSoftwareToken } from '../../src/token/index.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tonle-health-'));
});
afterEach(async () => {
  await chmod(join(dir, 'log'), 0o700).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

describe('health and the monitoring listener', () => {
  it('readiness flips with configuration expiry/refresh, token login, log writability and timestamping; /metrics parses', async () => {
    let now = 1_800_000_000_000;
    const clock = { now: () => now };
    let conf: GlobalConfStatus = { state: 'valid', consecutiveFailures: 0, expiresAtMs: now + 600_000, lastSuccessAtMs: now };
    let logStatus: MessageLogStatus = { treeSize: 0, durableSize: 0, checkpoints: 0, pendingCheckpoints: 0, oldestPendingSince: undefined, lastTimestampAt: undefined, refusing: false };
    const token = await createSoftwareToken({ directory: join(dir, 'token'), clock });
    await token.initialize('health-pin');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, 'log'));
    const health = createHealth({ globalConf: () => conf, token: () => token.status(), messageLog: () => logStatus, logDirectory: join(dir, 'log') });
    const registry = createMetricsRegistry();
    const metrics = createSecurityServerMetrics({ registry, clock, sources: { globalConf: () => conf, tokenLoggedIn: () => token.status().loggedIn } });
    const app = createMonitoringApp({ metrics: registry, health });
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const ready = async () => {
        const res = await fetch(`${address}/health/ready`);
        return { status: res.status, body: (await res.json()) as { ready: boolean; checks: { name: string; ok: boolean; reason?: string }[] } };
      };
      expect((await fetch(`${address}/health/live`)).status).toBe(200);
      let r = await ready();
      expect(r.status).toBe(503);
      expect(r.body.checks.find((c) => c.name === 'token')).toMatchObject({ ok: false, reason: 'TOKEN_LOGGED_OUT' });
      await token.login('health-pin');
      r = await ready();
      expect(r).toMatchObject({ status: 200, body: { ready: true } });

      // Configuration expires, then a fresh one is verified.
      now += 700_000;
      conf = { ...conf, state: 'expired' };
      r = await ready();
      expect(r.status).toBe(503);
      expect(r.body.checks.find((c) => c.name === 'globalconf')).toMatchObject({ ok: false, reason: 'GLOBALCONF_EXPIRED' });
      conf = { state: 'valid', consecutiveFailures: 0, expiresAtMs: now + 600_000, lastSuccessAtMs: now };
      expect((await ready()).status).toBe(200);

      logStatus = { ...logStatus, refusing: true };
      r = await ready();
      expect(r.body.checks.find((c) => c.name === 'timestamping')).toMatchObject({ ok: false, reason: 'TIMESTAMPING_REFUSED' });
      logStatus = { ...logStatus, refusing: false };

      if (process.getuid?.() !== 0) {
        // root ignores directory permissions, so this part only runs as an ordinary user
        await chmod(join(dir, 'log'), 0o500);
        r = await ready();
        expect(r.body.checks.find((c) => c.name === 'message-log-writable')).toMatchObject({ ok: false, reason: 'LOG_NOT_WRITABLE' });
        await chmod(join(dir, 'log'), 0o700);
      }
      await rm(join(dir, 'log'), { recursive: true });
      r = await ready();
      expect(r.body.checks.find((c) => c.name === 'message-log-writable')).toMatchObject({ ok: false, reason: 'LOG_NOT_WRITABLE' });

      metrics.recordRequest({ side: 'client', client: 'EE/GOV/1/a', service: 'EE/GOV/2/b/c', durationMs: 5 });
      const res = await fetch(`${address}/metrics`);
      expect(res.headers.get('content-type')).toContain('text/plain');
      const families = parsePrometheusTextFormat(await res.text());
      expect(families.find((f) => f.name === 'tonle_requests_total')!.metrics[0]!.value).toBe('1');
      expect(families.find((f) => f.name === 'tonle_globalconf_valid')!.metrics[0]!.value).toBe('1');
    } finally {
      await app.close();
    }
  });

  it('reports unusable signing and authentication credentials, and a throwing probe as unusable', async () => {
    let creds = { signing: true, authentication: false };
    const health = createHealth({ credentials: () => creds });
    expect((await health.ready()).checks).toEqual([{ name: 'signing-key', ok: true }, { name: 'authentication-certificate', ok: false, reason: 'NO_AUTH_CERTIFICATE' }]);
    creds = { signing: true, authentication: true };
    expect((await health.ready()).ready).toBe(true);
    const throwing = createHealth({ credentials: () => { throw new Error('not initialised'); } });
    expect((await throwing.ready()).checks.map((c) => c.ok)).toEqual([false, false]);
  });

  it('an extra check that throws counts as failed', async () => {
    const health = createHealth({ extra: { redis: () => { throw new Error('down'); }, other: async () => true } });
    const r = await health.ready();
    expect(r.ready).toBe(false);
    expect(r.checks).toEqual([{ name: 'redis', ok: false, reason: 'CHECK_FAILED' }, { name: 'other', ok: true }]);
  });
});
