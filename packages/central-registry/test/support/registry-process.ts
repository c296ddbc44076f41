import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const tsx = require.resolve('tsx');
export const registryMain = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

/** Runs a TypeScript entry in a child process through tsx (as `npm run tonle` does). */
export function spawnTs(entry: string, args: readonly string[]): ChildProcess {
  return spawn(process.execPath, ['--import', tsx, entry, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Resolves with the first stdout line that parses as JSON; rejects if the process exits first. */
export function firstJsonLine(child: ChildProcess, timeoutMs = 60_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no ready line in ${timeoutMs} ms; stderr: ${err}`)), timeoutMs);
    child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      for (const line of out.split('\n').slice(0, -1)) {
        try {
          const value = JSON.parse(line) as Record<string, unknown>;
          clearTimeout(timer);
          resolve(value);
          return;
        } catch {
          // not the ready line
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`process exited with ${code}; stderr: ${err}`));
    });
  });
}

export function kill(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/** Starts one registry node process from a config written into `dir`. */
export async function startRegistryProcess(dir: string, config: object, name = 'registry.json') {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(config));
  const child = spawnTs(registryMain, ['--config', path]);
  const ready = (await firstJsonLine(child)) as { ready: boolean; adminUrl: string; publicUrl: string };
  if (!ready.ready) throw new Error(`registry did not start: ${JSON.stringify(ready)}`);
  return { child, adminUrl: ready.adminUrl, publicUrl: ready.publicUrl, stop: () => kill(child, 'SIGTERM'), crash: () => kill(child, 'SIGKILL') };
}
