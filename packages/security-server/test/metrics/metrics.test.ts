import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMetricsRegistry, createSecurityServerMetrics } from '../../src/metrics/index.ts';
import type { CertificateRecord } from '../../src/keys/index.ts';

const family = (text: string, name: string) => parsePrometheusTextFormat(text).find((f) => f.name === name);

describe('metrics registry', () => {
  it('renders counters, gauges and histograms that a Prometheus parser reads back, and counters move', () => {
    const registry = createMetricsRegistry();
    let now = 1_800_000_000_000;
    const clock = { now: () => now };
    let confState: 'valid' | 'expired' = 'valid';
    const expiresAtMs = now + 600_000;
    const lastSuccessAtMs = now - 60_000;
    const cert = { hash: 'ab'.repeat(32), usage: 'SIGN', active: true, notAfter: now + 86_400_000, ocsp: { status: 'good', checkedAt: now } } as unknown as CertificateRecord;
    const m = createSecurityServerMetrics({
      registry,
      clock,
      sources: {
        globalConf: () => ({ state: confState, consecutiveFailures: 0, expiresAtMs, lastSuccessAtMs }),
        certificates: () => [cert],
        tokenLoggedIn: () => true,
        timestamping: () => [{ name: 'tsa1', ok: true }],
      },
    });
    const before = family(registry.render(), 'tonle_requests_total');
    expect(before?.metrics ?? []).toHaveLength(0);
    m.recordRequest({ side: 'client', client: 'EE/GOV/1234/app', service: 'EE/GOV/5678/db/getPerson', durationMs: 12 });
    m.recordRequest({ side: 'client', client: 'EE/GOV/1234/app', service: 'EE/GOV/5678/db/getPerson', durationMs: 250 });
    m.recordRequest({ side: 'server', client: 'EE/GOV/1234/app', service: 'EE/GOV/5678/db/getPerson', faultCode: 'Server.ServerProxy.AccessDenied', durationMs: 3 });
    m.onBatch(3);
    m.onLogCommit(2, 5);
    const text = registry.render();
    const req = family(text, 'tonle_requests_total')!;
    expect(req.type).toBe('COUNTER');
    const ok = req.metrics.find((s) => s.labels?.['side'] === 'client')!;
    expect(ok).toMatchObject({ value: '2', labels: { client: 'EE/GOV/1234/app', fault_code: '' } });
    expect(req.metrics.find((s) => s.labels?.['fault_code'] === 'Server.ServerProxy.AccessDenied')?.value).toBe('1');
    const hist = family(text, 'tonle_request_duration_seconds')!;
    expect(hist.type).toBe('HISTOGRAM');
    // parse-prometheus-text-format folds labelled histogram series into one (a limitation of that parser),
    // so the labelled series are checked on the exposition lines themselves.
    expect(text).toContain('tonle_request_duration_seconds_bucket{side="client",service="EE/GOV/5678/db/getPerson",le="0.025"} 1');
    expect(text).toContain('tonle_request_duration_seconds_bucket{side="client",service="EE/GOV/5678/db/getPerson",le="0.25"} 2');
    expect(text).toContain('tonle_request_duration_seconds_bucket{side="client",service="EE/GOV/5678/db/getPerson",le="+Inf"} 2');
    expect(text).toContain('tonle_request_duration_seconds_count{side="client",service="EE/GOV/5678/db/getPerson"} 2');
    expect(text).toMatch(/tonle_request_duration_seconds_sum\{side="client",service="EE\/GOV\/5678\/db\/getPerson"\} 0\.26\d*/);
    expect(family(text, 'tonle_signing_batch_size')!.metrics[0]).toMatchObject({ count: '1', sum: '3', buckets: { '2': '0', '4': '1', '256': '1' } });
    expect(family(text, 'tonle_message_log_commit_seconds')!.metrics[0]!.count).toBe('1');
    expect(family(text, 'tonle_message_log_commit_records')!.metrics[0]).toMatchObject({ count: '1', sum: '5' });
    expect(family(text, 'tonle_globalconf_valid')!.metrics[0]!.value).toBe('1');
    expect(family(text, 'tonle_globalconf_age_seconds')!.metrics[0]!.value).toBe('60');
    expect(family(text, 'tonle_globalconf_expires_in_seconds')!.metrics[0]!.value).toBe('600');
    expect(family(text, 'tonle_certificate_expires_in_seconds')!.metrics[0]).toMatchObject({ value: '86400', labels: { usage: 'SIGN' } });
    expect(family(text, 'tonle_certificate_ocsp_good')!.metrics[0]!.value).toBe('1');
    expect(family(text, 'tonle_token_logged_in')!.metrics[0]!.value).toBe('1');
    expect(family(text, 'tonle_timestamping_ok')!.metrics[0]).toMatchObject({ value: '1', labels: { name: 'tsa1' } });
    // Gauges follow their sources at scrape time.
    now += 700_000;
    confState = 'expired';
    const later = registry.render();
    expect(family(later, 'tonle_globalconf_valid')!.metrics[0]!.value).toBe('0');
    expect(Number(family(later, 'tonle_globalconf_expires_in_seconds')!.metrics[0]!.value)).toBe(-100);
  });

  it('escapes any label value so the output always parses (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 40 }), { minLength: 1, maxLength: 5 }), (values) => {
        const registry = createMetricsRegistry();
        const c = registry.counter({ name: 'x_total', help: 'help with \\ and \n newline', labelNames: ['v'] });
        for (const v of values) c.inc({ v });
        const parsed = parsePrometheusTextFormat(registry.render());
        const got = parsed[0]!.metrics.map((s) => s.labels?.['v']);
        expect(new Set(got)).toEqual(new Set(values));
      }),
      { numRuns: 200 },
    );
  });

  it('bounds the number of series and refuses misuse', () => {
    const registry = createMetricsRegistry({ maxSeries: 3 });
    const c = registry.counter({ name: 'c_total', help: 'c', labelNames: ['client'] });
    for (let i = 0; i < 10; i++) c.inc({ client: `c${i}` });
    const metrics = parsePrometheusTextFormat(registry.render())[0]!.metrics;
    expect(metrics).toHaveLength(4);
    expect(metrics.find((s) => s.labels?.['client'] === '__overflow__')?.value).toBe('7');
    expect(() => c.inc({ other: 'x' } as never)).toThrow(TypeError);
    expect(() => c.inc({ client: 'a' }, -1)).toThrow(TypeError);
    expect(() => registry.counter({ name: 'c_total', help: 'dup' })).toThrow(TypeError);
    expect(() => registry.counter({ name: 'bad name', help: '' })).toThrow(TypeError);
    expect(() => registry.histogram({ name: 'h', help: '', labelNames: ['le'], buckets: [1] })).toThrow(TypeError);
  });
});
