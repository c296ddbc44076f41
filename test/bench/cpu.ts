// CPU time per exchange of each process, the figure that stays meaningful on a shared, loaded machine
// (req/s does not): one sandbox, one load, CPU deltas from /proc divided by the completed (2xx) exchanges.
//   tsx test/bench/cpu.ts [--key-spec P-256|RSA-3072] [--no-message-log] [--body 1024] [--seconds 15]
//                         [--connections 50] [--base-port 28300] [--baseline] [--setup-intervals]
// With TONLE_SANDBOX_CPU_PROF=<dir> every sandbox component writes a V8 CPU profile when the run ends;
// summarise with `tsx test/bench/profile-summary.ts <dir>/ss-consumer`.
import { type ChildProcess } from 'node:child_process';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { cpuSeconds, cpuSecondsByThread, settleDisk } from './process-stats.ts';
import { freePort, startNode, startPlainTwoHop, waitFor } from './processes.ts';
import { makeBenchTls } from './tls.ts';
import { batchAverages, batchTotals, startTonle, stopTonle, type TonleInstance } from './tonle.ts';

const { values } = parseArgs({
  options: {
    'key-spec': { type: 'string', default: 'P-256' },
    'no-message-log': { type: 'boolean', default: false },
    body: { type: 'string', default: '1024' },
    seconds: { type: 'string', default: '15' },
    connections: { type: 'string', default: '50' },
    'base-port': { type: 'string', default: '28300' },
    baseline: { type: 'boolean', default: false },
    'setup-intervals': { type: 'boolean', default: false },
  },
});
const keySpec = values['key-spec'] === 'RSA-3072' ? 'RSA-3072' : 'P-256';
const bodyBytes = Number(values.body);
const seconds = Number(values.seconds);
const connections = Number(values.connections);

interface Proc {
  readonly name: string;
  readonly pid: number;
}

async function run(label: string, url: string, procs: readonly Proc[], headers: Record<string, string>): Promise<void> {
  const body = Buffer.alloc(bodyBytes, 0x62);
  const options = { url, connections, method: 'POST' as const, headers: { 'content-type': 'application/octet-stream', ...headers }, body };
  settleDisk();
  await autocannon({ ...options, duration: 2 });
  const before = procs.map((p) => cpuSeconds(p.pid));
  const threadsBefore = procs.map((p) => cpuSecondsByThread(p.pid));
  const self = process.cpuUsage();
  const result = await autocannon({ ...options, duration: seconds });
  const used = procs.map((p, i) => cpuSeconds(p.pid) - (before[i] as number));
  const threads = procs.map((p, i) => {
    const now = cpuSecondsByThread(p.pid);
    return { main: now.main - (threadsBefore[i]?.main ?? 0), others: now.others - (threadsBefore[i]?.others ?? 0) };
  });
  const selfUsed = process.cpuUsage(self);
  const ok = result['2xx'];
  console.log(`\n${label}: ${ok} exchanges completed (${result.non2xx} non-2xx, ${result.errors} errors) in ${seconds} s, ${connections} connections, ${bodyBytes} B bodies`);
  procs.forEach((p, i) => {
    const us = ok === 0 ? 0 : ((used[i] as number) * 1e6) / ok;
    const t = threads[i] as { main: number; others: number };
    const perExchange = (s: number): string => (ok === 0 ? '0' : ((s * 1e6) / ok).toFixed(0));
    console.log(`  ${p.name.padEnd(12)} ${(used[i] as number).toFixed(2).padStart(7)} s CPU  ${us.toFixed(0).padStart(6)} µs per exchange (main thread ${perExchange(t.main)}, other threads ${perExchange(t.others)})`);
  });
  console.log(`  ${'load (self)'.padEnd(12)} ${((selfUsed.user + selfUsed.system) / 1e6).toFixed(2).padStart(7)} s CPU`);
}

const started: ChildProcess[] = [];
let tonle: TonleInstance | undefined;
try {
  const providerPort = await freePort();
  const provider = startNode('provider.ts', [String(providerPort)]);
  started.push(provider);
  await waitFor(`http://127.0.0.1:${providerPort}/health`, provider);
  if (values.baseline) {
    const { front, back, url } = await startPlainTwoHop(providerPort, makeBenchTls());
    started.push(back, front);
    await run('plain two-hop (fastify)', `${url}/echo`, [
      { name: 'hop-1', pid: front.pid as number },
      { name: 'hop-2', pid: back.pid as number },
      { name: 'provider', pid: provider.pid as number },
    ], {});
  }
  console.error(`Starting a sandbox (${keySpec}, message log ${values['no-message-log'] ? 'off' : 'on'})...`);
  tonle = await startTonle(providerPort, Number(values['base-port']), {
    keySpec,
    messageLog: !values['no-message-log'],
    productionIntervals: !values['setup-intervals'],
  });
  const servers = { 'ss-consumer': tonle.consumerMetricsUrl, 'ss-provider': tonle.providerMetricsUrl };
  const before = await Promise.all(Object.values(servers).map((u) => batchTotals(u)));
  await run(`Tonle (${keySpec}, log ${values['no-message-log'] ? 'off' : 'on'})`, tonle.url, [
    { name: 'ss-consumer', pid: tonle.processes['ss-consumer'] as number },
    { name: 'ss-provider', pid: tonle.processes['ss-provider'] as number },
    { name: 'provider', pid: provider.pid as number },
  ], tonle.headers);
  const after = await Promise.all(Object.values(servers).map((u) => batchTotals(u)));
  Object.keys(servers).forEach((name, i) => {
    const b = before[i];
    const a = after[i];
    if (a === undefined || b === undefined) return;
    const { messagesPerSignature, recordsPerCommit } = batchAverages(b, a);
    console.log(`  ${name} messages per signature: ${messagesPerSignature} (${a.signatures - b.signatures} signatures), log records per group commit: ${recordsPerCommit} (${a.commits - b.commits} commits); warm-up included`);
  });
} finally {
  if (tonle !== undefined) await stopTonle(tonle);
  for (const child of started) child.kill('SIGTERM');
}
