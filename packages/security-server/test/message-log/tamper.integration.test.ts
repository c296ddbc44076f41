// Acceptance: any single changed byte, and any deleted, duplicated or reordered record, makes
// `verifyLog` fail and name the file, offset and record or checkpoint.
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameType, decodeFrames, listLogFiles, verifyLog } from '@tonle/audit';
import { createHttpTimestamper, createMessageLog } from '../../src/message-log/index.ts';
import { createLogPki, manualClock, startOpensslTsa, type LogPki, type OpensslTsa } from './fixture.ts';

let pki: LogPki;
let tsa: OpensslTsa;
let pristine: string;
let work: string;
let files: string[];

beforeAll(async () => {
  pki = await createLogPki();
  tsa = await startOpensslTsa(pki);
  pristine = await mkdtemp(join(tmpdir(), 'tonle-tamper-'));
  const log = await createMessageLog({
    config: { directory: pristine, checkpointIntervalMs: 0, segmentMaxBytes: 6000 },
    clock: manualClock(),
    signer: pki.signer,
    timestamper: createHttpTimestamper({ tsas: () => [{ name: 'tsa', url: tsa.url }], anchors: () => pki.anchors }),
  });
  for (let i = 0; i < 72; i++) {
    if (i === 36) await log.archive(); // archives for the first half, live segments for the second
    await log.append({
      kind: i % 2 === 0 ? 'request' : 'response',
      side: 'server',
      xRoadId: `x-${i >> 1}`,
      client: 'EE/GOV/1/a',
      service: 'EE/GOV/2/b/s',
      jws: 'e30.e30.sig',
      certificateChain: [pki.signCertDer],
      body: Buffer.from(`body ${i}`),
    });
    if (i % 9 === 8) await log.checkpoint();
  }
  await log.close();
  work = await mkdtemp(join(tmpdir(), 'tonle-tamper-work-'));
  await cp(pristine, work, { recursive: true });
  files = await listLogFiles(work);
}, 120_000);

afterAll(async () => {
  await tsa.close();
  await pki.cleanup();
  await rm(pristine, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

async function withModified<T>(file: string, change: (bytes: Buffer) => Buffer, check: () => Promise<T>): Promise<T> {
  const original = await readFile(file);
  await writeFile(file, change(Buffer.from(original)));
  try {
    return await check();
  } finally {
    await writeFile(file, original);
  }
}

describe('tamper evidence', () => {
  it('the untouched log has archives and several segments and verifies', async () => {
    expect(files.some((f) => f.endsWith('.tla'))).toBe(true);
    expect(files.filter((f) => f.endsWith('.tlog')).length).toBeGreaterThan(1);
    const progress: [number, number][] = [];
    const report = await verifyLog(work, { anchors: pki.anchors, onProgress: (done, total) => progress.push([done, total]) });
    expect(report.problem).toBeUndefined();
    expect(report.messages).toBe(72);
    expect(progress.length).toBeGreaterThanOrEqual(files.length);
    expect(progress.every(([d], i) => i === 0 || d >= progress[i - 1]![0])).toBe(true);
    expect(progress.at(-1)![0]).toBe(progress.at(-1)![1]);
  });

  it('flipping any single byte of any log or archive file is detected and located', async () => {
    const sizes = await Promise.all(files.map(async (f) => (await readFile(f)).length));
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: files.length - 1 }).chain((fi) => fc.tuple(fc.constant(fi), fc.integer({ min: 0, max: sizes[fi]! - 1 }), fc.integer({ min: 1, max: 255 }))),
        async ([fi, pos, mask]) => {
          const file = files[fi]!;
          const report = await withModified(
            file,
            (b) => {
              b[pos] = b[pos]! ^ mask;
              return b;
            },
            () => verifyLog(work, { anchors: pki.anchors }),
          );
          expect(report.ok).toBe(false);
          expect(report.problem?.file).toBe(file.split('/').pop());
          expect(report.problem?.offset ?? 0).toBeLessThanOrEqual(pos);
          expect(report.problem?.recordIndex !== undefined || report.problem?.checkpointSeq !== undefined).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  }, 300_000);

  const segment = async (): Promise<{ file: string; bytes: Buffer; leaves: { offset: number; length: number; index: number }[] }> => {
    const file = files.filter((f) => f.endsWith('.tlog')).at(-2)!;
    const bytes = await readFile(file);
    const leaves = decodeFrames(bytes)
      .frames.filter((f) => f.type === FrameType.leaf)
      .map((f) => ({ offset: f.offset, length: f.length, index: (JSON.parse(Buffer.from(f.entry).toString()) as { index: number }).index }));
    return { file, bytes, leaves };
  };

  it('a deleted record is named', async () => {
    const { file, leaves } = await segment();
    for (const victim of [leaves[0]!, leaves[Math.floor(leaves.length / 2)]!, leaves.at(-1)!]) {
      const report = await withModified(file, (b) => Buffer.concat([b.subarray(0, victim.offset), b.subarray(victim.offset + victim.length)]), () => verifyLog(work, { anchors: pki.anchors }));
      expect(report.ok).toBe(false);
      expect(report.problem).toMatchObject({ recordIndex: victim.index });
      expect(['RECORD_INDEX', 'CHECKPOINT_ROOT']).toContain(report.problem?.code);
    }
  });

  it('a duplicated record is named', async () => {
    const { file, leaves } = await segment();
    const v = leaves[3]!;
    const report = await withModified(file, (b) => Buffer.concat([b.subarray(0, v.offset + v.length), b.subarray(v.offset, v.offset + v.length), b.subarray(v.offset + v.length)]), () => verifyLog(work, { anchors: pki.anchors }));
    expect(report.problem).toMatchObject({ code: 'RECORD_INDEX', recordIndex: v.index + 1 });
  });

  it('two reordered records are named', async () => {
    const { file, leaves } = await segment();
    const a = leaves[2]!;
    const b2 = leaves[3]!;
    const report = await withModified(
      file,
      (b) => Buffer.concat([b.subarray(0, a.offset), b.subarray(b2.offset, b2.offset + b2.length), b.subarray(a.offset, a.offset + a.length), b.subarray(b2.offset + b2.length)]),
      () => verifyLog(work, { anchors: pki.anchors }),
    );
    expect(report.problem).toMatchObject({ code: 'RECORD_INDEX', recordIndex: a.index });
  });

  it('a deleted checkpoint or a deleted file is detected', async () => {
    const { file, bytes } = await segment();
    const cpFrame = decodeFrames(bytes).frames.find((f) => f.type === FrameType.checkpoint)!;
    const report = await withModified(file, (b) => Buffer.concat([b.subarray(0, cpFrame.offset), b.subarray(cpFrame.offset + cpFrame.length)]), () => verifyLog(work, { anchors: pki.anchors }));
    expect(report.ok).toBe(false);
    const middle = files[1]!;
    const saved = await readFile(middle);
    await rm(middle);
    try {
      const r2 = await verifyLog(work, { anchors: pki.anchors });
      expect(r2.problem?.code).toBe('FILE_SEQUENCE');
    } finally {
      await writeFile(middle, saved);
    }
    expect((await readdir(join(work, 'archive'))).length).toBeGreaterThan(0);
  });
});
