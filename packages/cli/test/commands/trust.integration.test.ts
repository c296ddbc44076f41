import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CommandIo } from '@tonle/cli';
import { pemLabels } from '@tonle/pki';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

function captureIo(cwd: string): CommandIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), env: {}, cwd };
}

function run(cmd: string, args: readonly string[]): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    execFile(cmd, [...args], { timeout: 60_000 }, (error, stdout, stderr) => done({ code: error === null ? 0 : 1, out: stdout + stderr }));
  });
}

describe('tonle trust', () => {
  let dir: string;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tonle-cli-trust-'));
  });
  afterAll(async () => {
    if (child !== undefined && child.exitCode === null) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('init creates the state directory with encrypted keys and private secrets, and refuses to overwrite it', async () => {
    const io = captureIo(dir);
    expect(await runCli(['trust', 'init', '--dir', 'state', '--instance', 'EE'], io)).toBe(0);
    expect(io.stdout.join('')).toContain('trust start --dir');
    expect(pemLabels(await readFile(join(dir, 'state/ca/ca.key'), 'utf8'))).toEqual(['ENCRYPTED PRIVATE KEY']);
    expect((await stat(join(dir, 'state/secrets/key-pin'))).mode & 0o077).toBe(0);
    expect((await stat(join(dir, 'state/secrets/admin-api-key'))).mode & 0o077).toBe(0);
    const again = captureIo(dir);
    expect(await runCli(['trust', 'init', '--dir', 'state'], again)).toBe(1);
    expect(again.stderr.join('')).toContain('TONLE_ERR_TRUST_STATE_EXISTS');
    const bad = captureIo(dir);
    expect(await runCli(['trust', 'init'], bad)).toBe(2);
    expect(await runCli(['trust', 'nope'], captureIo(dir))).toBe(2);
    expect(await runCli(['trust', 'start', '--dir', 'state', '--ca-port', 'x'], captureIo(dir))).toBe(2);
  });

  it('start runs the three services in one process, issue and revoke work against it, and SIGTERM stops it cleanly', async () => {
    child = spawn(process.execPath, [join(root, 'scripts/tonle.mjs'), 'trust', 'start', '--dir', join(dir, 'state'), '--ca-port', '0', '--ocsp-port', '0', '--tsa-port', '0', '--log-level', 'warn'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + 60_000;
    while (!output.includes('Press Ctrl+C') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    expect(output).toContain('Press Ctrl+C');
    const url = (name: string): string => new RegExp(`${name}\\s+(http://127\\.0\\.0\\.1:\\d+)`).exec(output)?.[1] ?? '';
    const caUrl = url('certification authority');
    const ocspUrl = url('OCSP responder');
    expect(url('time-stamping authority')).toMatch(/^http:/);

    const csr = join(dir, 'm.csr');
    const key = join(dir, 'm.key');
    expect((await run('/usr/bin/openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-subj', '/C=EE/O=GOV/CN=42', '-out', csr])).code).toBe(0);
    const issueIo = captureIo(dir);
    const code = await runCli(['trust', 'issue', '--ca-url', caUrl, '--dir', 'state', '--csr', 'm.csr', '--profile', 'sign', '--member', 'EE/GOV/42', '--out', 'm.pem'], issueIo);
    expect(code, issueIo.stderr.join('')).toBe(0);
    const serial = /serial ([0-9a-f]+)/.exec(issueIo.stderr.join(''))?.[1] ?? '';
    await writeFile(join(dir, 'ca.pem'), await readFile(join(dir, 'state/ca/ca.pem')));
    const check = () => run('/usr/bin/openssl', ['ocsp', '-issuer', join(dir, 'ca.pem'), '-cert', join(dir, 'm.pem'), '-url', ocspUrl, '-CAfile', join(dir, 'ca.pem')]);
    expect((await check()).out).toContain(': good');

    const mismatch = captureIo(dir);
    expect(await runCli(['trust', 'issue', '--ca-url', caUrl, '--dir', 'state', '--csr', 'm.csr', '--profile', 'sign', '--member', 'EE/GOV/43'], mismatch)).toBe(1);
    expect(mismatch.stderr.join('')).toContain('TONLE_ERR_TRUST_CSR_PROFILE_MISMATCH');

    const revokeIo = captureIo(dir);
    expect(await runCli(['trust', 'revoke', '--ca-url', caUrl, '--dir', 'state', '--serial', serial, '--reason', 'superseded'], revokeIo)).toBe(0);
    expect((await check()).out).toContain(': revoked');

    const exited = new Promise<number | null>((done) => child?.once('exit', (c) => done(c)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('Stopped (SIGTERM)');
    expect(existsSync(join(dir, 'state/issued', `${serial}.json`))).toBe(true);
  });
});
