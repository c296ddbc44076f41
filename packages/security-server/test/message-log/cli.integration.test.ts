// `tonle audit ...` end to end: in-process through runCli, and once as a real process (scripts/tonle.mjs).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '@tonle/cli';
import { createHttpTimestamper, createMessageLog } from '../../src/message-log/index.ts';
import { createLogPki, manualClock, startOpensslTsa, type LogPki, type OpensslTsa } from './fixture.ts';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

let pki: LogPki;
let tsa: OpensslTsa;
let dir: string;
let keyFile: string;
let bundleFile: string;

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(['audit', ...args], { out: (t) => (out += t), err: (t) => (err += t), env: {}, cwd: dir });
  return { code, out, err };
}

beforeAll(async () => {
  pki = await createLogPki();
  tsa = await startOpensslTsa(pki);
  dir = await mkdtemp(join(tmpdir(), 'tonle-cli-'));
  keyFile = join(dir, 'archive.key');
  const key = randomBytes(32);
  await writeFile(keyFile, key.toString('base64'));
  const log = await createMessageLog({
    config: { directory: join(dir, 'log'), checkpointIntervalMs: 0, segmentMaxBytes: 3000, archiveKey: key },
    clock: manualClock(),
    signer: pki.signer,
    timestamper: createHttpTimestamper({ tsas: () => [{ name: 'tsa', url: tsa.url }], anchors: () => pki.anchors }),
  });
  for (let i = 0; i < 12; i++) {
    await log.append({ kind: 'request', side: 'client', xRoadId: `id-${i}`, client: 'EE/GOV/1/a', service: 'EE/GOV/2/b/s', certificateChain: [pki.signCertDer], body: Buffer.from('x') });
  }
  await log.checkpoint();
  await log.archive();
  bundleFile = join(dir, 'bundle.json');
  await writeFile(bundleFile, JSON.stringify(await log.exportEvidence('id-3')));
  await log.close();
}, 120_000);

afterAll(async () => {
  await tsa.close();
  await pki.cleanup();
  await rm(dir, { recursive: true, force: true });
});

describe('tonle audit', () => {
  it('verify: exit 0 with a summary when everything verifies', async () => {
    const r = await cli('verify', 'log', '--anchors', pki.anchorsFile, '--key-file', keyFile);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^OK: /);
  });

  it('verify: exit 1 naming file, offset and record when a byte changed', async () => {
    const seg = (await readdir(join(dir, 'log'))).filter((f) => f.endsWith('.tlog')).sort()[0]!;
    const path = join(dir, 'log', seg);
    const original = await readFile(path);
    const bad = Buffer.from(original);
    bad[Math.floor(bad.length / 2)]! ^= 0x20;
    await writeFile(path, bad);
    try {
      const r = await cli('verify', 'log', '--anchors', pki.anchorsFile, '--key-file', keyFile, '--json');
      expect(r.code).toBe(1);
      expect(r.err).toMatch(new RegExp(`FAILED FRAME_CORRUPT at file ${seg}, offset \\d+, record \\d+`));
      expect(JSON.parse(r.out)).toMatchObject({ ok: false, problem: { file: seg } });
    } finally {
      await writeFile(path, original);
    }
  });

  it('verify: one archive file on its own', async () => {
    const [archive] = (await readdir(join(dir, 'log', 'archive'))).sort();
    const r = await cli('verify', join('log', 'archive', archive!), '--anchors', pki.anchorsFile, '--key-file', keyFile);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^OK: 1 file/);
  });

  it('verify: encrypted archives need the key', async () => {
    const r = await cli('verify', 'log', '--anchors', pki.anchorsFile);
    expect(r.code).toBe(1);
    expect(r.err).toContain('FILE_UNREADABLE');
  });

  it('verify-bundle and show', async () => {
    const v = await cli('verify-bundle', bundleFile, '--anchors', pki.anchorsFile);
    expect(v.code).toBe(0);
    expect(v.out).toContain('OK: evidence for X-Road id id-3');
    const s = await cli('show', 'log', 'id-3', '--key-file', keyFile);
    expect(s.code).toBe(0);
    expect(s.out).toContain('client EE/GOV/1/a');
    expect((await cli('show', 'log', 'nope', '--key-file', keyFile)).code).toBe(1);
  });

  it('usage errors exit 2', async () => {
    expect((await cli('verify', 'log')).code).toBe(2);
    expect((await cli('frobnicate')).code).toBe(2);
    expect((await cli('verify', 'log', '--anchors', join(dir, 'missing'))).code).toBe(2);
  });

  it('runs as a real process: tonle audit verify-bundle', async () => {
    const { stdout } = await run(process.execPath, [join(repoRoot, 'scripts/tonle.mjs'), 'audit', 'verify-bundle', bundleFile, '--anchors', pki.anchorsFile], { cwd: repoRoot });
    expect(stdout).toContain('OK: evidence');
    const bad = JSON.parse(await readFile(bundleFile, 'utf8')) as { checkpoints: { jws: string }[] };
    const jws = bad.checkpoints[0]!.jws;
    const at = jws.length - 10; // inside the signature, away from base64 padding bits
    bad.checkpoints[0]!.jws = `${jws.slice(0, at)}${jws[at] === 'A' ? 'B' : 'A'}${jws.slice(at + 1)}`;
    const badFile = join(dir, 'bad-bundle.json');
    await writeFile(badFile, JSON.stringify(bad));
    await expect(run(process.execPath, [join(repoRoot, 'scripts/tonle.mjs'), 'audit', 'verify-bundle', badFile, '--anchors', pki.anchorsFile], { cwd: repoRoot })).rejects.toMatchObject({ code: 1 });
  }, 60_000);
});
