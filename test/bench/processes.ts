// Starting and waiting for the benchmark's own processes (provider, plain proxies).
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const here = new URL('.', import.meta.url).pathname;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

export async function waitFor(url: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited with ${child.exitCode}`);
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`${url} not ready`);
}

/** Runs one of this folder's TypeScript scripts in its own Node process (so its CPU is measured apart). */
export function startNode(script: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(here, script), ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** The plain two-hop baseline: hop 1 (plain HTTP in) -> mutual TLS, keep-alive -> hop 2 -> the provider. */
export async function startPlainTwoHop(providerPort: number, tlsDir: string): Promise<{ front: ChildProcess; back: ChildProcess; url: string }> {
  const backPort = await freePort();
  const back = startNode('plain-proxy.ts', [String(backPort), `http://127.0.0.1:${providerPort}`, '--tls-in', tlsDir]);
  const frontPort = await freePort();
  const front = startNode('plain-proxy.ts', [String(frontPort), `https://localhost:${backPort}`, '--tls-out', tlsDir]);
  try {
    await waitFor(`http://127.0.0.1:${frontPort}/health`, front);
  } catch (error) {
    front.kill('SIGTERM');
    back.kill('SIGTERM');
    throw error;
  }
  return { front, back, url: `http://127.0.0.1:${frontPort}` };
}
