// Starts the sandbox the way a user does (`node scripts/tonle.mjs sandbox`, what `npm start` runs) in its
// own folder and port range, for end-to-end tests that need the whole instance.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** The parts of `<dir>/network.json` (docs/sandbox.md) the tests use. */
export interface SandboxNetwork {
  readonly instance: string;
  readonly consumer: { client: string; clientProxyUrl: string; clientProxyHttpsUrl: string; adminUrl: string; adminApiKey: string; monitoringUrl: string; messageLogDir: string };
  readonly provider: {
    client: string;
    service: string;
    samplePath: string;
    testbenchService: string;
    clientProxyUrl: string;
    adminUrl: string;
    adminApiKey: string;
    messageLogDir: string;
  };
  readonly registry: { configurationUrl: string; anchorFile: string; adminUrl: string; adminApiKey: string };
  readonly trust: { caCertFile: string; ocspUrl: string; tsaUrl: string; tsaCertFile: string; anchorsDir: string };
  readonly sampleServiceUrl: string;
  readonly pids: readonly number[];
  readonly processes: Readonly<Record<string, number>>;
}

export interface RunningSandbox {
  readonly dir: string;
  readonly network: SandboxNetwork;
  /** Everything the sandbox printed so far. */
  output(): string;
  /** Stops the sandbox as Ctrl+C does (SIGTERM) and resolves with its exit code; the folder stays. */
  terminate(): Promise<number | null>;
  /** SIGKILLs the sandbox and every process it started, and deletes its folder. */
  destroy(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `tonle sandbox --dir <fresh temp dir> --base-port <basePort>` and resolves once it printed that it
 * is ready (a first run takes ~40 s on a quiet machine; allow minutes on a loaded one). Pick `basePort`
 * below 32768 and away from other tests' ranges: two sandboxes must never share ports.
 */
export async function startSandbox(basePort: number, timeoutMs = 240_000): Promise<RunningSandbox> {
  const dir = mkdtempSync(join(tmpdir(), 'tonle-sandbox-e2e-'));
  const child = spawn(process.execPath, [join(root, 'scripts/tonle.mjs'), 'sandbox', '--dir', dir, '--base-port', String(basePort)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const started: { network?: SandboxNetwork } = {};
  const destroy = (): void => {
    if (child.exitCode === null) child.kill('SIGKILL');
    for (const pid of started.network?.pids ?? []) if (pid !== process.pid && alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = performance.now() + timeoutMs;
  while (!output.includes('Press Ctrl+C to stop') && child.exitCode === null && performance.now() < deadline) await sleep(250);
  if (!output.includes('Press Ctrl+C to stop')) {
    destroy();
    throw new Error(`the sandbox did not start:\n${output}`);
  }
  const network = JSON.parse(readFileSync(join(dir, 'network.json'), 'utf8')) as SandboxNetwork;
  started.network = network;
  const terminate = (): Promise<number | null> => {
    if (child.exitCode === null) child.kill('SIGTERM');
    return exited;
  };
  return { dir, network, output: () => output, terminate, destroy };
}

/** Calls a security server's admin API with its key, as an operator does with curl; non-2xx throws. */
export async function admin(site: { adminUrl: string; adminApiKey: string }, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${site.adminUrl}${path}`, {
    method,
    headers: { authorization: `X-Road-ApiKey token=${site.adminApiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

/** Peak resident set size (VmHWM, bytes) of a process, from /proc; undefined where /proc is missing. */
export function peakRss(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] === undefined ? undefined : Number(m[1]) * 1024;
  } catch {
    return undefined;
  }
}
