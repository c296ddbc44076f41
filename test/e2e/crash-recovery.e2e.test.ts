// Issue "Message log and evidence", acceptance: under load, kill -9 a security server 10 times at random
// moments; after each restart every X-Road-Id that a client received a response for is in the log, and
// the whole log verifies. The instance is set up once by the sandbox; then each component runs as its own
// process here, so the consumer's security server can be killed and restarted on its own.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { decodeFrames, FrameType, listLogFiles, openArchive, parseEntry } from '@tonle/audit';
import { afterAll, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const main = join(root, 'packages/cli/src/main.ts');
const dir = mkdtempSync(join(tmpdir(), 'tonle-crash-e2e-'));
// Below the ephemeral range, and apart from the sandbox e2e test's ports.
const base = 25_100 + Math.floor(Math.random() * 60) * 30;
const running: ChildProcess[] = [];

function tonle(args: string[]): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], { cwd: root, stdio: ['ignore', 'ignore', 'ignore'] });
  running.push(child);
  return child;
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const healthy = (url: string) => async (): Promise<boolean> => (await fetch(url)).ok;

afterAll(() => {
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

it('loses no acknowledged message when a security server is killed 10 times under load', async () => {
  // 1. Set the instance up the operator's way, then stop the sandbox (the state stays).
  const sandbox = spawn(process.execPath, [join(root, 'scripts/tonle.mjs'), 'sandbox', '--dir', dir, '--base-port', String(base)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  sandbox.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
  sandbox.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
  await until('the sandbox', async () => output.includes('Press Ctrl+C to stop') || sandbox.exitCode !== null, 240_000);
  expect(output, output).toContain('Tonle sandbox is ready');
  const network = JSON.parse(readFileSync(join(dir, 'network.json'), 'utf8')) as {
    consumer: { client: string; clientProxyUrl: string; messageLogDir: string };
    provider: { service: string; samplePath: string; messageLogDir: string };
    trust: { anchorsDir: string };
  };
  sandbox.kill('SIGTERM');
  await new Promise((resolve) => sandbox.once('exit', resolve));

  // 2. Every component as its own process, started exactly as the sandbox starts them.
  tonle(['trust', 'start', '--dir', join(dir, 'trust'), '--ca-port', String(base), '--ocsp-port', String(base + 1), '--tsa-port', String(base + 2)]);
  tonle(['registry', 'start', '--dir', join(dir, 'registry')]);
  tonle(['sample-service', '--port', String(base + 5)]);
  tonle(['security-server', 'start', '--config', join(dir, 'ss-provider', 'ss.json')]);
  const startConsumer = (): ChildProcess => tonle(['security-server', 'start', '--config', join(dir, 'ss-consumer', 'ss.json')]);
  let consumer = startConsumer();
  const consumerHealth = healthy(`${network.consumer.clientProxyUrl}/health`);
  await until('the provider security server', healthy(`http://127.0.0.1:${base + 23}/health/ready`));
  await until('the consumer security server', consumerHealth);

  // 3. Load: 8 callers in a loop; an X-Road-Id counts as acknowledged once its 200 response arrived.
  const url = `${network.consumer.clientProxyUrl}/r1/${network.provider.service}${network.provider.samplePath}`;
  const acknowledged: string[] = [];
  let loading = true;
  const callers = Array.from({ length: 8 }, async () => {
    while (loading) {
      try {
        const response = await fetch(url, { headers: { 'X-Road-Client': network.consumer.client }, signal: AbortSignal.timeout(10_000) });
        await response.arrayBuffer();
        const id = response.headers.get('x-road-id');
        if (response.status === 200 && id !== null) acknowledged.push(id);
      } catch {
        await sleep(50); // the server is down: refused or cut connections are expected
      }
    }
  });

  // 4. Ten kill -9 at random moments, each followed by a restart.
  for (let kill = 0; kill < 10; kill++) {
    const before = acknowledged.length;
    await until('traffic through the consumer', async () => acknowledged.length > before + 5, 60_000);
    await sleep(Math.random() * 700);
    consumer.kill('SIGKILL');
    await new Promise((resolve) => consumer.once('exit', resolve));
    consumer = startConsumer();
    await until('the restarted consumer security server', consumerHealth);
  }
  await sleep(1_000);
  loading = false;
  await Promise.all(callers);
  consumer.kill('SIGTERM');
  await new Promise((resolve) => consumer.once('exit', resolve));
  expect(acknowledged.length).toBeGreaterThan(100);

  // 5. Every acknowledged exchange has its response record in the consumer's log, and the log verifies.
  const logged = new Set<string>();
  for (const file of await listLogFiles(network.consumer.messageLogDir)) {
    for (const frame of decodeFrames(openArchive(await readFile(file))).frames) {
      if (frame.type !== FrameType.leaf) continue;
      const entry = parseEntry(frame);
      if (entry['type'] === 'message' && entry['kind'] === 'response' && entry['side'] === 'client') logged.add(String(entry['xRoadId']));
    }
  }
  expect(acknowledged.filter((id) => !logged.has(id))).toEqual([]);
  const verify = spawnSync(
    process.execPath,
    [join(root, 'scripts/tonle.mjs'), 'audit', 'verify', network.consumer.messageLogDir, '--allow-pending', '--anchors', network.trust.anchorsDir],
    { cwd: root, encoding: 'utf8' },
  );
  expect(verify.status, `${verify.stdout}${verify.stderr}`).toBe(0);
}, 600_000);
