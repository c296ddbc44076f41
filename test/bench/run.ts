// `npm run bench`: every scenario against baselines started in the same run, on this machine.
// Prints a table and writes test/bench/results/<time>.json. See docs/performance.md.
import { type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import autocannon from 'autocannon';
import { request } from 'undici';
import { NGINX, startNginxChain } from './nginx.ts';
import { cpuSeconds, peakRssMiB, resetPeakRss, settleDisk } from './process-stats.ts';
import { freePort, startNode as tsx, startPlainTwoHop, waitFor } from './processes.ts';
import { makeBenchTls } from './tls.ts';
import { batchAverages, batchTotals, startTonle, stopTonle, type BatchTotals, type TonleInstance, type TonleOptions } from './tonle.ts';

const here = new URL('.', import.meta.url).pathname;
const DURATION = Number(process.env['TONLE_BENCH_SECONDS'] ?? 8);
const BENCH_STARTED = performance.now();
/** Progress on stderr, with the seconds since the run started (where a run's minutes go). */
function progress(line: string): void {
  console.error(`[${String(Math.round((performance.now() - BENCH_STARTED) / 1000)).padStart(4)} s] ${line}`);
}
const CONNECTIONS = 50;
const SIZES = [1024, 16 * 1024, 1024 * 1024] as const;

/**
 * The sandboxes measured, one after the other. Setting one up takes about a minute on a loaded 2-core
 * machine; `reuse` starts from the folder of the named earlier setup (same keys, new configuration).
 */
const TONLE_SETUPS: readonly (TonleOptions & { scenario: string; sizes: readonly number[]; reuse?: string; streamed?: boolean })[] = [
  // The streamed gigabyte first, on fresh servers of its own: run after the loads (on the same sandbox
  // restarted), the servers' peak RSS was 312 / 321 MiB instead of ~200, most likely because opening a message
  // log that the 1 MiB load filled with hundreds of MiB reads its live segments whole (docs/performance.md). After
  // it, settleDisk() waits until the disk is quiet again.
  { scenario: 'Tonle (ES256, log on)', keySpec: 'P-256', messageLog: true, sizes: [], streamed: true },
  { scenario: 'Tonle (ES256, log on)', keySpec: 'P-256', messageLog: true, sizes: SIZES, reuse: 'Tonle (ES256, log on)' },
  { scenario: 'Tonle (ES256, log off)', keySpec: 'P-256', messageLog: false, sizes: [1024, 16 * 1024], reuse: 'Tonle (ES256, log on)' },
  { scenario: 'Tonle (RSA-3072, log on)', keySpec: 'RSA-3072', messageLog: true, sizes: [1024, 16 * 1024] },
];

interface Proc {
  readonly name: string;
  readonly pid: number;
}

interface Row {
  scenario: string;
  bodyBytes: number;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  megabytesPerSecond: number;
  errors: number;
  non2xx: number;
  cpuSeconds: Record<string, number>;
  /** CPU per completed (2xx) exchange, per process: comparable across runs on a loaded machine. */
  cpuMicrosPerExchange: Record<string, number>;
  peakRssMiB: Record<string, number>;
  /** Messages per signature on each security server (adaptive batch signing), when measured. */
  averageSigningBatch?: Record<string, number>;
  /** Message-log records per group commit (one write + fdatasync) on each security server, when measured. */
  averageCommitRecords?: Record<string, number>;
  ratioToPlainTwoHop?: number;
  p99RatioToPlainTwoHop?: number;
  /** Streamed scenarios: MB/s against the plain two-hop's streamed MB/s. */
  megabytesRatioToPlainTwoHop?: number;
  /**
   * Tonle rows: the plain two-hop measured again right before this row (same body size), and the ratios
   * against it. Neighbours on a shared machine move a baseline measured minutes earlier by up to 1.9 x;
   * one measured seconds earlier shares the row's conditions.
   */
  adjacentPlain?: { requestsPerSecond: number; latencyP99Ms: number; megabytesPerSecond: number };
  ratioToAdjacentPlain?: number;
  p99RatioToAdjacentPlain?: number;
}

/** Seconds of the plain two-hop measured right before each Tonle row. */
const ADJACENT_SECONDS = 4;

/** The streamed scenario: one body of this size up and the same back (the provider echoes it), one connection. */
const STREAMED_BYTES = Number(process.env['TONLE_BENCH_STREAMED_BYTES'] ?? 1024 ** 3);

function* streamedBody(total: number): Generator<Buffer> {
  const block = Buffer.alloc(1024 * 1024, 0x63);
  for (let sent = 0; sent < total; sent += block.length) yield sent + block.length <= total ? block : block.subarray(0, total - sent);
}

/**
 * One request with a `STREAMED_BYTES` body through `url` and its echo back, read as it comes: MB/s counts
 * both directions (2 x the body per second); peak RSS shows whether a hop held the body.
 */
async function measureStreamed(scenario: string, url: string, procs: readonly Proc[], headers: Record<string, string> = {}): Promise<Row> {
  settleDisk();
  for (const p of procs) resetPeakRss(p.pid);
  const before = procs.map((p) => cpuSeconds(p.pid));
  const started = performance.now();
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(STREAMED_BYTES), ...headers },
    body: Readable.from(streamedBody(STREAMED_BYTES)),
    headersTimeout: 900_000,
    bodyTimeout: 900_000,
  });
  let received = 0;
  for await (const chunk of res.body) received += (chunk as Buffer).length;
  const seconds = (performance.now() - started) / 1000;
  const ok = res.statusCode === 200 && received === STREAMED_BYTES;
  const cpu: Record<string, number> = {};
  const rss: Record<string, number> = {};
  procs.forEach((p, i) => {
    cpu[p.name] = Math.round((cpuSeconds(p.pid) - (before[i] as number)) * 100) / 100;
    rss[p.name] = peakRssMiB(p.pid);
  });
  const row: Row = {
    scenario: `${scenario}, streamed`,
    bodyBytes: STREAMED_BYTES,
    requestsPerSecond: 0,
    latencyP50Ms: Math.round(seconds * 1000),
    latencyP99Ms: Math.round(seconds * 1000),
    megabytesPerSecond: Math.round(((2 * STREAMED_BYTES) / 1024 / 1024 / seconds) * 10) / 10,
    errors: ok ? 0 : 1,
    non2xx: res.statusCode === 200 ? 0 : 1,
    cpuSeconds: cpu,
    cpuMicrosPerExchange: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, Math.round(v * 1e6)])),
    peakRssMiB: rss,
  };
  progress(`  ${row.scenario.padEnd(28)} ${String(STREAMED_BYTES).padStart(10)} B  ${row.megabytesPerSecond} MB/s  ${JSON.stringify(rss)} MiB peak`);
  return row;
}

async function load(url: string, bodyBytes: number, headers: Record<string, string> = {}, seconds = DURATION): Promise<autocannon.Result> {
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', ...headers },
    body: Buffer.alloc(bodyBytes, 0x62),
  });
}

interface MeasureOptions {
  readonly headers?: Record<string, string>;
  /** Default `TONLE_BENCH_SECONDS`. */
  readonly seconds?: number;
}

async function measure(scenario: string, bodyBytes: number, url: string, procs: readonly Proc[], options: MeasureOptions = {}): Promise<Row> {
  const { headers } = options;
  settleDisk();
  // a one-second warm-up so connection pools and JIT are in their steady state
  await autocannon({ url, connections: CONNECTIONS, duration: 1, method: 'POST', body: Buffer.alloc(bodyBytes, 0x62), headers: headers ?? {} });
  for (const p of procs) resetPeakRss(p.pid);
  const before = procs.map((p) => cpuSeconds(p.pid));
  const result = await load(url, bodyBytes, headers, options.seconds);
  const cpu: Record<string, number> = {};
  const perExchange: Record<string, number> = {};
  const rss: Record<string, number> = {};
  procs.forEach((p, i) => {
    const used = cpuSeconds(p.pid) - (before[i] as number);
    cpu[p.name] = Math.round(used * 100) / 100;
    perExchange[p.name] = result['2xx'] === 0 ? 0 : Math.round((used * 1e6) / result['2xx']);
    rss[p.name] = peakRssMiB(p.pid);
  });
  const row: Row = {
    scenario,
    bodyBytes,
    requestsPerSecond: Math.round(result.requests.average),
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    megabytesPerSecond: Math.round((result.throughput.average / 1024 / 1024) * 10) / 10,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    cpuSeconds: cpu,
    cpuMicrosPerExchange: perExchange,
    peakRssMiB: rss,
  };
  progress(`  ${scenario.padEnd(28)} ${String(bodyBytes).padStart(8)} B  ${String(row.requestsPerSecond).padStart(6)} req/s`);
  return row;
}


async function measureTonle(scenario: string, size: number, tonle: TonleInstance, providerPid: number, plainNow: () => Promise<Row>): Promise<Row> {
  const adjacent = await plainNow();
  const servers = { 'ss-consumer': tonle.consumerMetricsUrl, 'ss-provider': tonle.providerMetricsUrl };
  const before = Object.fromEntries(await Promise.all(Object.entries(servers).map(async ([k, u]) => [k, await batchTotals(u)] as const)));
  const row = await measure(
    scenario,
    size,
    tonle.url,
    [
      { name: 'ss-consumer', pid: tonle.processes['ss-consumer'] as number },
      { name: 'ss-provider', pid: tonle.processes['ss-provider'] as number },
      { name: 'provider', pid: providerPid },
    ],
    { headers: tonle.headers },
  );
  row.adjacentPlain = { requestsPerSecond: adjacent.requestsPerSecond, latencyP99Ms: adjacent.latencyP99Ms, megabytesPerSecond: adjacent.megabytesPerSecond };
  if (adjacent.requestsPerSecond > 0) {
    row.ratioToAdjacentPlain = Math.round((row.requestsPerSecond / adjacent.requestsPerSecond) * 100) / 100;
    row.p99RatioToAdjacentPlain = Math.round((row.latencyP99Ms / Math.max(adjacent.latencyP99Ms, 1)) * 100) / 100;
  }
  row.averageSigningBatch = {};
  row.averageCommitRecords = {};
  for (const [name, url] of Object.entries(servers)) {
    const averages = batchAverages(before[name] as BatchTotals, await batchTotals(url));
    row.averageSigningBatch[name] = averages.messagesPerSignature;
    row.averageCommitRecords[name] = averages.recordsPerCommit;
  }
  return row;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const started: ChildProcess[] = [];
  const stopAll = (): void => {
    for (const child of started) child.kill('SIGTERM');
  };
  process.on('SIGINT', () => {
    stopAll();
    process.exit(130);
  });
  try {
    const tlsDir = makeBenchTls();
    const providerPort = await freePort();
    const provider = tsx('provider.ts', [String(providerPort)]);
    started.push(provider);
    await waitFor(`http://127.0.0.1:${providerPort}/health`, provider);

    const { front, back, url: plainUrl } = await startPlainTwoHop(providerPort, tlsDir);
    started.push(back, front);

    let nginx: ChildProcess | undefined;
    let nginxUrl: string | undefined;
    if (NGINX !== undefined) {
      const chain = startNginxChain({ tlsDir, providerPort, frontPort: await freePort(), backPort: await freePort() });
      nginx = chain.process;
      nginxUrl = chain.url;
      started.push(nginx);
      await waitFor(`${nginxUrl}/health`, nginx);
    }

    progress(`Benchmarking ${DURATION} s per scenario, ${CONNECTIONS} connections:`);
    // Streamed first: a process's resident memory rarely shrinks after a load, so a peak measured after the
    // 50-connection scenarios would show their memory, not the stream's.
    const plainProcs: readonly Proc[] = [
      { name: 'hop-1', pid: front.pid as number },
      { name: 'hop-2', pid: back.pid as number },
      { name: 'provider', pid: provider.pid as number },
    ];
    rows.push(await measureStreamed('plain two-hop (fastify)', `${plainUrl}/echo`, plainProcs));
    for (const size of SIZES) {
      rows.push(await measure('direct to provider', size, `http://127.0.0.1:${providerPort}/echo`, [{ name: 'provider', pid: provider.pid as number }]));
      const plain = await measure('plain two-hop (fastify)', size, `${plainUrl}/echo`, [
        { name: 'hop-1', pid: front.pid as number },
        { name: 'hop-2', pid: back.pid as number },
        { name: 'provider', pid: provider.pid as number },
      ]);
      rows.push(plain);
      if (nginx !== undefined && nginxUrl !== undefined) {
        rows.push(await measure('nginx two-hop', size, `${nginxUrl}/echo`, [{ name: 'nginx', pid: nginx.pid as number }, { name: 'provider', pid: provider.pid as number }]));
      }
    }
    if (process.env['TONLE_BENCH_SKIP_TONLE'] === undefined) {
      // One sandbox at a time, so two sets of security servers never compete for the cores.
      const dirs = new Map<string, string>();
      for (const setup of TONLE_SETUPS) {
        progress(`Starting a sandbox for ${setup.scenario}...`);
        const reused = setup.reuse === undefined ? undefined : dirs.get(setup.reuse);
        const tonle = reused === undefined ? await startTonle(providerPort, 28_100, setup) : await startTonle(providerPort, 28_100, setup, reused);
        dirs.set(setup.scenario, tonle.dir);
        try {
          if (setup.streamed === true) {
            const adjacent = await measureStreamed('plain two-hop (fastify), adjacent', `${plainUrl}/echo`, plainProcs);
            const row = await measureStreamed(setup.scenario, tonle.url, [
              { name: 'ss-consumer', pid: tonle.processes['ss-consumer'] as number },
              { name: 'ss-provider', pid: tonle.processes['ss-provider'] as number },
              { name: 'provider', pid: provider.pid as number },
            ], tonle.headers);
            row.adjacentPlain = { requestsPerSecond: 0, latencyP99Ms: adjacent.latencyP99Ms, megabytesPerSecond: adjacent.megabytesPerSecond };
            if (adjacent.megabytesPerSecond > 0) row.ratioToAdjacentPlain = Math.round((row.megabytesPerSecond / adjacent.megabytesPerSecond) * 100) / 100;
            rows.push(row);
          }
          for (const size of setup.sizes) {
            const plainNow = (): Promise<Row> => measure('plain two-hop (fastify), adjacent', size, `${plainUrl}/echo`, plainProcs, { seconds: ADJACENT_SECONDS });
            rows.push(await measureTonle(setup.scenario, size, tonle, provider.pid as number, plainNow));
          }
        } finally {
          await stopTonle(tonle);
          progress("  sandbox stopped");
        }
      }
    }
    const plainStreamed = rows.find((r) => r.scenario === 'plain two-hop (fastify), streamed');
    for (const row of rows) {
      if (row.scenario.endsWith(', streamed')) {
        if (plainStreamed !== undefined && plainStreamed.megabytesPerSecond > 0) {
          row.megabytesRatioToPlainTwoHop = Math.round((row.megabytesPerSecond / plainStreamed.megabytesPerSecond) * 100) / 100;
        }
        continue;
      }
      const plain = rows.find((r) => r.scenario === 'plain two-hop (fastify)' && r.bodyBytes === row.bodyBytes);
      if (plain !== undefined && plain.requestsPerSecond > 0) {
        row.ratioToPlainTwoHop = Math.round((row.requestsPerSecond / plain.requestsPerSecond) * 100) / 100;
        row.p99RatioToPlainTwoHop = Math.round((row.latencyP99Ms / Math.max(plain.latencyP99Ms, 1)) * 100) / 100;
      }
    }
  } finally {
    stopAll();
  }
  printTable(rows);
  const dir = join(here, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ machine: machineInfo(), durationSeconds: DURATION, connections: CONNECTIONS, rows }, null, 2)}\n`);
  console.log(`\nReport: ${file}`);
}

function machineInfo(): Record<string, unknown> {
  return { node: process.version, platform: process.platform, arch: process.arch, cpus: (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency };
}

function printTable(rows: readonly Row[]): void {
  const header = ['scenario', 'body', 'req/s', 'p50 ms', 'p99 ms', 'MB/s', 'x plain', 'p99 x plain', 'x adjacent plain', 'p99 x adjacent', 'errors', 'CPU µs per exchange', 'peak RSS MiB', 'msgs/signature', 'records/commit'];
  const lines = rows.map((r) => [
    r.scenario,
    r.bodyBytes >= 1024 ** 3 ? `${r.bodyBytes / 1024 ** 3} GiB` : r.bodyBytes >= 1024 * 1024 ? `${r.bodyBytes / 1024 / 1024} MiB` : `${r.bodyBytes / 1024} KiB`,
    String(r.requestsPerSecond),
    String(r.latencyP50Ms),
    String(r.latencyP99Ms),
    String(r.megabytesPerSecond),
    r.ratioToPlainTwoHop !== undefined ? r.ratioToPlainTwoHop.toFixed(2) : r.megabytesRatioToPlainTwoHop !== undefined ? `${r.megabytesRatioToPlainTwoHop.toFixed(2)} (MB/s)` : '',
    r.p99RatioToPlainTwoHop === undefined ? '' : r.p99RatioToPlainTwoHop.toFixed(2),
    r.ratioToAdjacentPlain === undefined ? '' : `${r.ratioToAdjacentPlain.toFixed(2)}${r.requestsPerSecond === 0 ? ' (MB/s)' : ''}`,
    r.p99RatioToAdjacentPlain === undefined ? '' : r.p99RatioToAdjacentPlain.toFixed(2),
    String(r.errors + r.non2xx),
    Object.entries(r.cpuMicrosPerExchange).map(([k, v]) => `${k} ${v}`).join(', '),
    Object.entries(r.peakRssMiB).map(([k, v]) => `${k} ${v}`).join(', '),
    Object.entries(r.averageSigningBatch ?? {}).map(([k, v]) => `${k} ${v}`).join(', '),
    Object.entries(r.averageCommitRecords ?? {}).map(([k, v]) => `${k} ${v}`).join(', '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cells: readonly string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  console.log(fmt(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const line of lines) console.log(fmt(line));
}

await main();
