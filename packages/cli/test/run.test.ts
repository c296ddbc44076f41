import { describe, expect, it } from 'vitest';
import { commands, renderHelp, runCli } from '@tonle/cli';
import type { CommandIo } from '@tonle/cli';

function captureIo(): CommandIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), env: {}, cwd: '/' };
}

describe('tonle CLI dispatcher', () => {
  it('lists every registered command in --help', async () => {
    const io = captureIo();
    expect(await runCli(['--help'], io)).toBe(0);
    for (const command of commands) expect(io.stdout.join('')).toContain(command.name);
  });

  it('rejects an unknown command with exit code 2 and the help text on stderr', async () => {
    const io = captureIo();
    expect(await runCli(['no-such-command'], io)).toBe(2);
    expect(io.stderr.join('')).toContain("unknown command 'no-such-command'");
    expect(io.stderr.join('')).toContain(renderHelp().split('\n')[0]);
  });

  it('prints a command usage for `<command> --help` without running it', async () => {
    const ran: string[] = [];
    const io = captureIo();
    const code = await runCli(['demo', '--help'], io, [
      { name: 'demo', summary: 's', usage: 'Usage: demo', run: async () => (ran.push('x'), 0) },
    ]);
    expect(code).toBe(0);
    expect(ran).toEqual([]);
    expect(io.stdout.join('')).toBe('Usage: demo\n');
  });
});
