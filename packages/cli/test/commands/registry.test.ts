import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistryConfig, startRegistryNode, type RegistryNode } from '@tonle/central-registry';
import { runCli, type CommandIo } from '@tonle/cli';
import { parseConfigurationAnchor, systemClock } from '@tonle/protocol';

function captureIo(cwd: string): CommandIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), env: {}, cwd };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

let dir: string;
let node: RegistryNode | undefined;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tonle-cli-registry-'));
});
afterAll(async () => {
  await node?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('tonle registry', () => {
  it('initialises, then administers a running registry through its admin API', async () => {
    const io = captureIo(dir);
    const [adminPort, publicPort] = [await freePort(), await freePort()];
    expect(await runCli(['registry', 'init', '--dir', 'reg', '--instance', 'EE', '--admin-port', String(adminPort), '--public-port', String(publicPort)], io)).toBe(0);
    expect((await stat(join(dir, 'reg', 'admin-api-key'))).mode & 0o777).toBe(0o600);
    // A second init on the same store is refused and changes nothing.
    const again = captureIo(dir);
    expect(await runCli(['registry', 'init', '--dir', 'reg', '--instance', 'EE', '--admin-port', String(adminPort), '--public-port', String(publicPort)], again)).toBe(1);
    expect(again.stderr.join('')).toContain('TONLE_ERR_REGISTRY_BAD_STATE');

    node = await startRegistryNode({ config: await loadRegistryConfig(join(dir, 'reg', 'registry.json')), clock: systemClock });
    const add = captureIo(dir);
    expect(await runCli(['registry', 'members', 'add', '--dir', 'reg', '--class', 'GOV', '--code', '123', '--name', 'Ministry'], add)).toBe(0);
    expect(JSON.parse(add.stdout.join(''))).toMatchObject({ memberCode: '123' });
    const dup = captureIo(dir);
    expect(await runCli(['registry', 'members', 'add', '--dir', 'reg', '--class', 'GOV', '--code', '123', '--name', 'Ministry'], dup)).toBe(1);
    expect(dup.stderr.join('')).toContain('TONLE_ERR_REGISTRY_DUPLICATE');
    const anchorIo = captureIo(dir);
    expect(await runCli(['registry', 'anchor', '--dir', 'reg', '--out', 'anchor.json'], anchorIo)).toBe(0);
    const anchor = parseConfigurationAnchor(await readFile(join(dir, 'anchor.json'), 'utf8'));
    expect(anchor.sources[0]!.address).toBe(`http://127.0.0.1:${publicPort}/globalconf`);
    const keys = captureIo(dir);
    expect(await runCli(['registry', 'keys', 'announce', '--dir', 'reg'], keys)).toBe(0);
    expect(JSON.parse(keys.stdout.join(''))).toMatchObject({ status: 'next' });
  });

  it('answers usage mistakes with exit code 2', async () => {
    for (const args of [['registry'], ['registry', 'members', 'add', '--dir', 'reg'], ['registry', '--bogus'], ['registry', 'frobnicate', '--dir', 'reg']]) {
      const io = captureIo(dir);
      expect(await runCli(args, io), args.join(' ')).toBe(2);
    }
  });
});
