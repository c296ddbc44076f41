// Bad input never crashes or hangs the verifier: random files, and well-framed files with arbitrary JSON.
import { generateKeyPairSync, type X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameType, encodeFrame, verifyLog, parseEvidenceBundle, verifyEvidenceBundle, type TrustAnchors } from '@tonle/audit';

let dir: string;
const anchors: TrustAnchors = { certificates: [] as X509Certificate[] };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tonle-fuzz-'));
  generateKeyPairSync('ec', { namedCurve: 'P-256' }); // warm up crypto so timing noise stays out of the runs
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const header = Buffer.from(JSON.stringify({ type: 'header', format: 'tonle-message-log', version: 1, kind: 'segment', firstIndex: 0, frontier: [], nextCheckpointSeq: 0, createdAt: 0 }));

const entry = fc.oneof(
  fc.json(),
  fc.record({ type: fc.constant('message'), index: fc.constant(0), kind: fc.constant('request'), side: fc.constant('client'), xRoadId: fc.string(), client: fc.string(), service: fc.string(), time: fc.integer(), certificates: fc.constant([]), ocspResponses: fc.constant([]), body: fc.oneof(fc.anything(), fc.record({ logged: fc.constant(true), salt: fc.anything(), commitment: fc.anything(), size: fc.anything() })) }).map((o) => JSON.stringify(o)),
  fc.record({ type: fc.constantFrom('message', 'material', 'checkpoint', 'timestamp'), index: fc.oneof(fc.constant(0), fc.integer()), body: fc.anything(), der: fc.anything(), sha256: fc.anything(), jws: fc.oneof(fc.string(), fc.constant('a.b.c')), checkpointSeq: fc.integer(), token: fc.string() }).map((o) => JSON.stringify(o)),
);

describe('verifyLog on hostile input', () => {
  it('returns a report (never throws) for random bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (bytes) => {
        await writeFile(join(dir, 'segment-0000000000000000.tlog'), bytes);
        const r = await verifyLog(dir, { anchors });
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 100 },
    );
  });

  it('returns a report (never throws) for well-framed files with arbitrary entries and bodies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom(FrameType.leaf, FrameType.checkpoint, FrameType.timestamp, FrameType.header), entry, fc.uint8Array({ maxLength: 20 })), { maxLength: 6 }), async (frames) => {
        const bytes = Buffer.concat([encodeFrame(FrameType.header, header), ...frames.map(([t, e, b]) => encodeFrame(t, Buffer.from(e), b))]);
        await writeFile(join(dir, 'segment-0000000000000000.tlog'), bytes);
        const r = await verifyLog(dir, { anchors, allowPending: true });
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });

  it('bundles with arbitrary content give a report or a coded error', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ format: fc.constant('tonle-evidence-bundle'), version: fc.constant(1), xRoadId: fc.string(), exportedAt: fc.integer(), items: fc.array(fc.record({ index: fc.integer(), entry: fc.base64String(), proof: fc.array(fc.string()), checkpoint: fc.integer({ min: -1, max: 2 }) }), { maxLength: 3 }), checkpoints: fc.array(fc.record({ jws: fc.string(), timestamp: fc.record({ tsa: fc.string(), genTime: fc.integer(), token: fc.base64String() }) }), { maxLength: 2 }) }),
        async (b) => {
          const report = await verifyEvidenceBundle(parseEvidenceBundle(JSON.stringify(b)), anchors);
          expect(report.ok).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });
});
