import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { consistencyProof, inclusionProof, merkleLeafHash, merkleNodeHash, merkleRoot } from '@tonle/protocol';
import {
  FrameType,
  MerkleFrontier,
  MerkleRange,
  decodeFrameAt,
  decodeFrames,
  encodeFrame,
  leafHash,
  loadArchiveKey,
  nodeHash,
  openArchive,
  parseEvidenceBundle,
  scanFrames,
  sealArchive,
  verifyLeafInclusion,
  verifyLogConsistency,
} from '@tonle/audit';

const sha256 = (d: Uint8Array): Uint8Array => createHash('sha256').update(d).digest();

describe('frames', () => {
  it('round-trips entries and bodies', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), fc.constantFrom(0, 1, 2, 3), (entry, body, type) => {
        const frame = encodeFrame(type as FrameType, entry, body);
        const r = decodeFrameAt(frame, 0);
        expect(r.ok).toBe(true);
        if (r.ok) {
          expect(Buffer.from(r.frame.entry)).toEqual(Buffer.from(entry));
          expect(Buffer.from(r.frame.body)).toEqual(Buffer.from(body));
          expect(r.frame.length).toBe(frame.length);
        }
      }),
    );
  });

  it('never throws on arbitrary bytes and always reports a problem or frames', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        const { frames, problem } = decodeFrames(bytes);
        expect(frames.length > 0 || problem !== undefined || bytes.length === 0).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('scanning through a small window finds exactly what decoding the whole file finds, tails included', async () => {
    const frameArb = fc.record({ type: fc.constantFrom(0, 1, 2, 3), entry: fc.uint8Array({ maxLength: 120 }), body: fc.uint8Array({ maxLength: 200 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(frameArb, { maxLength: 12 }), fc.uint8Array({ maxLength: 40 }), fc.integer({ min: 1, max: 64 }), async (frames, tail, windowBytes) => {
        const file = Buffer.concat([...frames.map((f) => encodeFrame(f.type as FrameType, f.entry, f.body)), tail]);
        const whole = decodeFrames(file);
        const seen: { type: number; entry: Buffer; body: Buffer; offset: number; length: number }[] = [];
        const read = (buffer: Buffer, offset: number, length: number, position: number): Promise<number> => {
          const n = Math.max(0, Math.min(length, file.length - position));
          file.copy(buffer, offset, position, position + n);
          return Promise.resolve(n);
        };
        const scanned = await scanFrames(read, (f) => seen.push({ type: f.type, entry: Buffer.from(f.entry), body: Buffer.from(f.body), offset: f.offset, length: f.length }), windowBytes);
        expect(seen).toEqual(whole.frames.map((f) => ({ type: f.type, entry: Buffer.from(f.entry), body: Buffer.from(f.body), offset: f.offset, length: f.length })));
        expect(scanned.problem).toEqual(whole.problem);
        const end = whole.frames.at(-1);
        expect(scanned.size).toBe(end === undefined ? 0 : end.offset + end.length);
      }),
      { numRuns: 300 },
    );
  });

  it('detects every single-byte change and every cut', () => {
    const frame = encodeFrame(FrameType.leaf, Buffer.from('{"index":0}'), Buffer.from('body'));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: frame.length - 1 }), fc.integer({ min: 1, max: 255 }), (pos, mask) => {
        const bad = Buffer.from(frame);
        bad[pos] = bad[pos]! ^ mask;
        expect(decodeFrameAt(bad, 0).ok).toBe(false);
        expect(decodeFrameAt(frame.subarray(0, pos), 0)).toMatchObject({ ok: false, problem: 'truncated' });
      }),
    );
  });
});

describe('Merkle frontier and ranges', () => {
  it('the frontier root equals protocol merkleRoot at every size', () => {
    const leaves = Array.from({ length: 70 }, (_, i) => merkleLeafHash(sha256, Buffer.from(`leaf ${i}`)));
    const f = new MerkleFrontier();
    expect(Buffer.from(f.root())).toEqual(Buffer.from(merkleRoot(sha256, [])));
    leaves.forEach((l, i) => {
      f.push(l);
      expect(Buffer.from(f.root())).toEqual(Buffer.from(merkleRoot(sha256, leaves.slice(0, i + 1))));
    });
    expect(leafHash(Buffer.from('leaf 3'))).toEqual(leaves[3]);
  });

  it('leafHash and nodeHash hash in parts exactly what protocol merkleLeafHash / merkleNodeHash hash', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (data, left, right) => {
        expect(Buffer.from(leafHash(data))).toEqual(Buffer.from(merkleLeafHash(sha256, data)));
        expect(Buffer.from(nodeHash(left, right))).toEqual(Buffer.from(merkleNodeHash(sha256, left, right)));
      }),
    );
  });

  it('proofs from a frontier base equal protocol inclusionProof and verify', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 90 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }))).chain(([n, base]) => fc.tuple(fc.constant(n), fc.constant(base), fc.integer({ min: base, max: n - 1 }), fc.integer({ min: 1, max: n }))), ([n, base, index, size]) => {
        fc.pre(index < size);
        const leaves = Array.from({ length: n }, (_, i) => merkleLeafHash(sha256, Buffer.from(`l${i}`)));
        const f = new MerkleFrontier();
        for (const l of leaves.slice(0, base)) f.push(l);
        const range = new MerkleRange(f, leaves.slice(base));
        const proof = range.inclusionProof(index, size);
        expect(proof.map((p) => Buffer.from(p).toString('hex'))).toEqual(inclusionProof(sha256, leaves.slice(0, size), index).map((p) => Buffer.from(p).toString('hex')));
        expect(verifyLeafInclusion({ leafHash: leaves[index]!, index, treeSize: size, proof, root: range.root(size) })).toBe(true);
        expect(Buffer.from(range.root(size))).toEqual(Buffer.from(merkleRoot(sha256, leaves.slice(0, size))));
      }),
      { numRuns: 200 },
    );
  });

  it('consistency proofs from a frontier base equal protocol consistencyProof and verify', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 80 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n }))).chain(([n, base]) => fc.tuple(fc.constant(n), fc.constant(base), fc.integer({ min: Math.max(base, 1), max: n }))), ([n, base, m]) => {
        const leaves = Array.from({ length: n }, (_, i) => merkleLeafHash(sha256, Buffer.from(`c${i}`)));
        const f = new MerkleFrontier();
        for (const l of leaves.slice(0, base)) f.push(l);
        const range = new MerkleRange(f, leaves.slice(base));
        const proof = range.consistencyProof(m, n);
        expect(proof.map((p) => Buffer.from(p).toString('hex'))).toEqual(consistencyProof(sha256, leaves, m).map((p) => Buffer.from(p).toString('hex')));
        expect(verifyLogConsistency({ oldSize: m, newSize: n, oldRoot: merkleRoot(sha256, leaves.slice(0, m)), newRoot: merkleRoot(sha256, leaves), proof })).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses proofs for leaves before the known range', () => {
    const f = new MerkleFrontier();
    for (let i = 0; i < 5; i++) f.push(leafHash(Buffer.from([i])));
    expect(() => new MerkleRange(f, [leafHash(Buffer.from([9]))]).inclusionProof(2, 6)).toThrow(expect.objectContaining({ code: 'TONLE_ERR_AUDIT_MERKLE_RANGE' }));
    expect(() => new MerkleFrontier([{ start: 0, size: 3, hash: new Uint8Array(32) }])).toThrow(expect.objectContaining({ code: 'TONLE_ERR_AUDIT_MERKLE_RANGE' }));
  });
});

describe('archive encryption and keys', () => {
  it('round-trips, authenticates and demands the key', async () => {
    const key = randomBytes(32);
    const plain = randomBytes(1000);
    const sealed = sealArchive(plain, key);
    expect(Buffer.from(openArchive(sealed, key))).toEqual(plain);
    expect(openArchive(plain)).toBe(plain);
    const bad = Buffer.from(sealed);
    bad[bad.length - 20]! ^= 1;
    expect(() => openArchive(bad, key)).toThrow(expect.objectContaining({ code: 'TONLE_ERR_AUDIT_ARCHIVE_INVALID' }));
    expect(() => openArchive(sealed)).toThrow(expect.objectContaining({ code: 'TONLE_ERR_AUDIT_KEY_INVALID' }));
    expect(() => openArchive(sealed, randomBytes(32))).toThrow(expect.objectContaining({ code: 'TONLE_ERR_AUDIT_ARCHIVE_INVALID' }));
  });

  it('reads keys as raw, hex or base64 and rejects anything else', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tonle-key-'));
    try {
      const key = randomBytes(32);
      for (const [name, content] of [['raw', key], ['hex', `${key.toString('hex')}\n`], ['b64', key.toString('base64')]] as const) {
        await writeFile(join(dir, name), content);
        expect(Buffer.from(await loadArchiveKey(join(dir, name)))).toEqual(key);
      }
      await writeFile(join(dir, 'short'), 'abcd');
      await expect(loadArchiveKey(join(dir, 'short'))).rejects.toMatchObject({ code: 'TONLE_ERR_AUDIT_KEY_INVALID' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('evidence bundle parsing', () => {
  it('rejects what is not a bundle with a code', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        try {
          parseEvidenceBundle(text);
        } catch (e) {
          expect((e as { code?: string }).code).toBe('TONLE_ERR_AUDIT_BUNDLE_INVALID');
        }
      }),
    );
  });
});
