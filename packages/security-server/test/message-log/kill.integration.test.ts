// Acceptance: a child appending under load is killed with SIGKILL at random moments, 10 times; after each
// restart every acknowledged record is present and the whole log verifies.
import { spawn } from 'node:child_process';
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameType, decodeFrames, listLogFiles, verifyLog } from '@tonle/audit';
import { systemClock } from '@tonle/protocol';
import { createHttpTimestamper, createMessageLog } from '../../src/message-log/index.ts';
import { createLogPki, startOpensslTsa, type LogPki, type OpensslTsa } from './fixture.ts';

const tsx = createRequire(import.meta.url).resolve('tsx');
const child = fileURLToPath(new URL('./kill-child.ts', import.meta.url));

let pki: LogPki;
let tsa: OpensslTsa;
let dir: string;

beforeAll(async () => {
  pki = await createLogPki();
  tsa = await startOpensslTsa(pki);
  dir = await mkdtemp(join(tmpdir(), 'tonle-kill-'));
  await writeFile(join(pki.dir, 'sign.key'), pki.signKeyPem, { mode: 0o600 });
  await writeFile(join(pki.dir, 'sign.der'), pki.signCertDer);
  await writeFile(join(pki.dir, 'ca.der'), pki.caDer);
});
afterAll(async () => {
  await tsa.close();
  await pki.cleanup();
  await rm(dir, { recursive: true, force: true });
});

function runUntilKilled(round: number, afterReadyMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', tsx, child, join(dir, 'log'), join(pki.dir, 'sign.key'), join(pki.dir, 'sign.der'), join(pki.dir, 'ca.der'), pki.anchorsFile, tsa.url, String(round)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => {
      const first = !out.includes('READY');
      out += d;
      if (first && out.includes('READY\n')) setTimeout(() => p.kill('SIGKILL'), afterReadyMs);
    });
    p.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    p.on('error', reject);
    p.on('exit', (_code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child exited on its own: ${err}`));
      // only complete lines count: a line cut by the kill was never fully reported
      const lines = out.split('\n').slice(0, -1);
      resolve(lines.filter((l) => l.startsWith('ACK ')).map((l) => l.slice(4)));
    });
  });
}

async function presentIds(): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const f of await listLogFiles(join(dir, 'log'))) {
    for (const frame of decodeFrames(await readFile(f)).frames) {
      if (frame.type !== FrameType.leaf) continue;
      const e = JSON.parse(Buffer.from(frame.entry).toString('utf8')) as { type: string; xRoadId?: string };
      if (e.type === 'message') ids.add(e.xRoadId!);
    }
  }
  return ids;
}

describe('crash safety (kill -9)', () => {
  it('loses no acknowledged record over 10 random kills and the log verifies after each restart', async () => {
    const acked: string[] = [];
    for (let round = 0; round < 10; round++) {
      const ids = await runUntilKilled(round, 150 + Math.floor(Math.random() * 1200));
      acked.push(...ids);
      // restart: open (recovers a torn tail), seal with a checkpoint + time-stamp, close
      const log = await createMessageLog({
        config: { directory: join(dir, 'log'), checkpointIntervalMs: 0 },
        clock: systemClock,
        signer: pki.signer,
        timestamper: createHttpTimestamper({ tsas: () => [{ name: 'tsa', url: tsa.url }], anchors: () => pki.anchors }),
      });
      await log.close();
      const report = await verifyLog(join(dir, 'log'), { anchors: pki.anchors });
      expect(report.problem).toBeUndefined();
      const present = await presentIds();
      const missing = acked.filter((id) => !present.has(id));
      expect(missing).toEqual([]);
    }
    expect(acked.length).toBeGreaterThan(100);
  }, 240_000);
});
