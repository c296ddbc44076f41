import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTrustLogger } from '@tonle/trust-services';
import type { Logger } from 'pino';
import fc from 'fast-check';

/** The real OpenSSL binary is the outside client of every acceptance test. */
export const OPENSSL = '/usr/bin/openssl';

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs openssl asynchronously (the servers under test live in this process, so never block it). */
export function openssl(args: readonly string[], options: { cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(OPENSSL, [...args], { cwd: options.cwd, timeout: 60_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A temporary directory removed at the end of the test. */
export async function tempDir(prefix: string): Promise<{ path: string; [Symbol.asyncDispose](): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `tonle-${prefix}-`));
  return { path, [Symbol.asyncDispose]: () => rm(path, { recursive: true, force: true }) };
}

export const file = (dir: string, name: string): string => join(dir, name);

/** A logger that drops everything (tests assert on behaviour, not log text). */
export function quietLogger(): Logger {
  return createTrustLogger({ level: 'silent' });
}

/** A clock tests control. */
export function fixedClock(start: number): { now(): number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/** Fuzz input for a DER parser: random bytes, or a valid request with one byte flipped. */
export function derFuzz(valid: Uint8Array, maxLength: number): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.uint8Array({ minLength: 0, maxLength }),
    fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 1, max: 255 })).map(([i, x]) => {
      const copy = new Uint8Array(valid);
      copy[i] = (copy[i] ?? 0) ^ x;
      return copy;
    }),
  );
}
