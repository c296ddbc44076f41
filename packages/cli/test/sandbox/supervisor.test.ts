import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SandboxProcessError } from '../../src/sandbox/supervisor.ts';
import { ProcessSupervisor } from '../../src/sandbox/supervisor.ts';

const SERVER = `
const http = require('node:http');
const server = http.createServer((req, res) => res.end('ok'));
server.listen(0, '127.0.0.1', () => console.log('PORT=' + server.address().port));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('ProcessSupervisor', () => {
  let supervisor: ProcessSupervisor | undefined;
  afterEach(async () => supervisor?.stopAll(2_000));

  it('waits for readiness, keeps logs and stops every process it started', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tonle-sup-'));
    const failures: SandboxProcessError[] = [];
    supervisor = new ProcessSupervisor({ logDir: dir, onUnexpectedExit: (e) => failures.push(e) });
    // The readiness URL needs the port in advance, so the test picks one.
    // Below the ephemeral range (32768-60999), which other tests' sockets use.
    const port = 25_000 + Math.floor(Math.random() * 7_000);
    const script = SERVER.replace('listen(0', `listen(${port}`);
    await supervisor.start({ name: 'web', command: process.execPath, args: ['-e', script], readyUrl: `http://127.0.0.1:${port}/` });
    const pids = supervisor.pids;
    expect(pids).toHaveLength(1);
    await supervisor.stopAll(2_000);
    expect(pids.every((pid) => !alive(pid))).toBe(true);
    expect(failures).toEqual([]);
    expect(readFileSync(join(dir, 'web.log'), 'utf8')).toContain(`PORT=${port}`);
  });

  it('restarts a process without reporting its exit as a death, and refuses an unknown name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tonle-sup-'));
    const failures: SandboxProcessError[] = [];
    supervisor = new ProcessSupervisor({ logDir: dir, onUnexpectedExit: (e) => failures.push(e) });
    const port = 25_000 + Math.floor(Math.random() * 7_000);
    const script = SERVER.replace('listen(0', `listen(${port}`);
    await supervisor.start({ name: 'web', command: process.execPath, args: ['-e', script], readyUrl: `http://127.0.0.1:${port}/` });
    const [before] = supervisor.pids;
    await supervisor.restart('web', 2_000);
    const after = supervisor.processes;
    expect(after).toHaveLength(1);
    expect(after[0]?.name).toBe('web');
    expect(after[0]?.pid).not.toBe(before);
    expect(alive(before as number)).toBe(false);
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
    await expect(supervisor.restart('nope')).rejects.toBeInstanceOf(TypeError);
    expect(failures).toEqual([]);
  });

  it('reports a process that dies before it is ready, with its output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tonle-sup-'));
    supervisor = new ProcessSupervisor({ logDir: dir, onUnexpectedExit: () => undefined });
    const start = supervisor.start({
      name: 'broken',
      command: process.execPath,
      args: ['-e', 'console.error("config file missing: /nope"); process.exit(3)'],
      readyUrl: 'http://127.0.0.1:1/',
    });
    await expect(start).rejects.toMatchObject({ code: 'TONLE_ERR_SANDBOX_PROCESS_FAILED', processName: 'broken' });
    await start.catch((e: SandboxProcessError) => expect(e.outputTail).toContain('config file missing'));
  });

  it('tells when a running process exits unexpectedly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tonle-sup-'));
    const failure = new Promise<SandboxProcessError>((resolve) => {
      supervisor = new ProcessSupervisor({ logDir: dir, onUnexpectedExit: resolve });
    });
    await supervisor?.start({ name: 'short', command: process.execPath, args: ['-e', 'setTimeout(() => process.exit(7), 200)'] });
    expect((await failure).processName).toBe('short');
  });
});
