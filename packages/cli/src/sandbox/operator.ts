import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandIo } from '../command.ts';
import type { ProcessSpec } from './supervisor.ts';

/** The `tonle` entry point, so the sandbox can run commands exactly as an operator types them. */
const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

/** Node arguments that run TypeScript sources: tsx's ESM loader, resolved from this package. */
function nodeArgs(): string[] {
  let loader = 'tsx';
  try {
    loader = import.meta.resolve('tsx');
  } catch {
    // a runtime without import.meta.resolve: fall back to resolving from the working directory
  }
  return ['--import', loader];
}

/**
 * A process spec that runs `tonle <args>`. With `TONLE_SANDBOX_CPU_PROF=<dir>` every component writes a
 * V8 CPU profile there when it stops (docs/performance.md: finding where the time goes).
 */
export function tonleProcess(name: string, args: readonly string[], readyUrl?: string): ProcessSpec {
  const profileDir = process.env['TONLE_SANDBOX_CPU_PROF'];
  // One folder per component: a process with worker threads writes one profile per thread.
  const profile = profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', join(profileDir, name)];
  return { name, command: process.execPath, args: [...profile, ...nodeArgs(), MAIN, ...args], ...(readyUrl === undefined ? {} : { readyUrl }) };
}

/** A `tonle` command that failed while the sandbox ran it. */
export class OperatorStepError extends Error {
  override readonly name = 'OperatorStepError';
  readonly code = 'TONLE_ERR_SANDBOX_STEP_FAILED';
  readonly output: string;
  constructor(message: string, output: string) {
    super(message);
    this.output = output;
  }
}

/**
 * Runs one `tonle` command as a child process, the way an operator would type it, and returns what it
 * printed. A non-zero exit is an OperatorStepError carrying the command's output.
 */
export async function operate(args: readonly string[], io: Pick<CommandIo, 'env' | 'cwd'>): Promise<string> {
  const child = spawn(process.execPath, [...nodeArgs(), MAIN, ...args], {
    cwd: io.cwd,
    env: { ...process.env, ...io.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) {
    throw new OperatorStepError(`\`tonle ${args.join(' ')}\` failed with exit code ${String(code)}`, `${out}${err}`.trim());
  }
  return out;
}
