// The Tonle scenarios: a sandbox (trust services, registry, two security servers in operations mode with
// production intervals; P-256 or RSA-3072 keys; durable message log with group commit and batch
// time-stamps, or records in memory only) with an extra service on the provider's server that points at
// the benchmark's provider.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const root = new URL('../..', import.meta.url).pathname;

export interface TonleInstance {
  readonly sandbox: ChildProcess;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly processes: Readonly<Record<string, number>>;
  readonly consumerMetricsUrl: string;
  readonly providerMetricsUrl: string;
  /** The sandbox's state folder, to start another sandbox with the same keys and registrations. */
  readonly dir: string;
}

interface Network {
  consumer: { client: string; clientProxyUrl: string; monitoringUrl: string };
  provider: { client: string; adminUrl: string; adminApiKey: string; monitoringUrl: string };
  processes: Record<string, number>;
}

/** How the sandbox's security servers run in a scenario. */
export interface TonleOptions {
  readonly keySpec: 'P-256' | 'RSA-3072';
  readonly messageLog: boolean;
  /** Default true; false keeps the sandbox's 2 s setup intervals (to measure what they cost). */
  readonly productionIntervals?: boolean;
}

/**
 * Starts a sandbox in `dir` (default: a new temporary folder). A folder an earlier sandbox set up is reused
 * as it is (keys, registrations): only the configuration changes, so the second start takes seconds.
 */
export async function startTonle(providerPort: number, basePort: number, options: TonleOptions, dir = mkdtempSync(join(tmpdir(), 'tonle-bench-sandbox-'))): Promise<TonleInstance> {
  const args = ['sandbox', '--dir', dir, '--base-port', String(basePort), '--key-spec', options.keySpec];
  if (options.productionIntervals !== false) args.push('--production-intervals');
  if (!options.messageLog) args.push('--no-message-log');
  const sandbox = spawn(process.execPath, [join(root, 'scripts/tonle.mjs'), ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  sandbox.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  // Setting up takes about a minute on a quiet 2-core machine, several on a loaded one.
  const deadline = performance.now() + 900_000;
  while (!out.includes('Press Ctrl+C to stop')) {
    if (sandbox.exitCode !== null || performance.now() > deadline) {
      // Stop it and wait, so it stops what it started (a sandbox whose parent is gone cannot clean up).
      await stopProcess(sandbox);
      throw new Error(`the sandbox did not start:\n${out}`);
    }
    await sleep(250);
  }
  const network = JSON.parse(readFileSync(join(dir, 'network.json'), 'utf8')) as Network;
  const colon = (id: string): string => id.split('/').join(':');
  const service = `${network.provider.client}/echo`;
  const admin = async (method: string, path: string, body: unknown): Promise<void> => {
    const response = await fetch(`${network.provider.adminUrl}${path}`, {
      method,
      headers: { authorization: `X-Road-ApiKey token=${network.provider.adminApiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    // 409: a reused sandbox folder already has the service and the access right
    if (!response.ok && response.status !== 409) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    await response.arrayBuffer().catch(() => undefined);
  };
  await admin('POST', '/services', { id: colon(service), url: `http://127.0.0.1:${providerPort}`, type: 'REST', timeoutSeconds: 60 });
  await admin('POST', `/services/${colon(service)}/access-rights`, { subject: colon(network.consumer.client) });
  return {
    sandbox,
    url: `${network.consumer.clientProxyUrl}/r1/${service}/echo`,
    headers: { 'X-Road-Client': network.consumer.client },
    processes: network.processes,
    consumerMetricsUrl: `${network.consumer.monitoringUrl}/metrics`,
    providerMetricsUrl: `${network.provider.monitoringUrl}/metrics`,
    dir,
  };
}

/** Sum and count of the signing batch-size histogram, to report the average batch of a scenario. */
/** A security server's batch counters so far: signatures and the messages they covered, group commits and their records. */
export interface BatchTotals {
  readonly signatures: number;
  readonly signedMessages: number;
  readonly commits: number;
  readonly committedRecords: number;
}

export async function batchTotals(metricsUrl: string): Promise<BatchTotals> {
  const text = await (await fetch(metricsUrl)).text();
  const value = (name: string): number =>
    text
      .split('\n')
      .filter((line) => line.startsWith(name))
      .reduce((acc, line) => acc + Number(line.split(' ').at(-1)), 0);
  return {
    signatures: value('tonle_signing_batch_size_count'),
    signedMessages: value('tonle_signing_batch_size_sum'),
    commits: value('tonle_message_log_commit_records_count'),
    committedRecords: value('tonle_message_log_commit_records_sum'),
  };
}

/** Messages per signature and records per group commit between two readings (0 where there were none). */
export function batchAverages(before: BatchTotals, after: BatchTotals): { messagesPerSignature: number; recordsPerCommit: number } {
  const ratio = (n: number, d: number): number => (d === 0 ? 0 : Math.round((n / d) * 100) / 100);
  return {
    messagesPerSignature: ratio(after.signedMessages - before.signedMessages, after.signatures - before.signatures),
    recordsPerCommit: ratio(after.committedRecords - before.committedRecords, after.commits - before.commits),
  };
}

/** Stops a sandbox and everything it started, and waits until it has (so the next one gets the cores and ports). */
export async function stopTonle(tonle: TonleInstance): Promise<void> {
  await stopProcess(tonle.sandbox);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}
