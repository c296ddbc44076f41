import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { BodyError, bodyFromBytes, createBodySpool, type MessageBody } from '../../src/body/index.ts';

const dirs: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tonle-spool-test-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function* chunks(parts: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield p;
}

async function readAll(body: MessageBody): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of body.open()) out.push(c as Buffer);
  return Buffer.concat(out);
}

const sha512 = (b: Uint8Array) => createHash('sha512').update(b).digest();

describe('body spool', () => {
  it('keeps a body up to the threshold in memory and spools a larger one, with the same digest either way', async () => {
    const dir = freshDir();
    const spool = await createBodySpool({ dir, memoryBytes: 100 });
    const small = await spool.read(chunks([Buffer.alloc(60, 1), Buffer.alloc(40, 2)]), { maxBytes: 1000 });
    expect(small.bytes?.length).toBe(100);
    expect(small.sha512).toEqual(sha512(Buffer.concat([Buffer.alloc(60, 1), Buffer.alloc(40, 2)])));
    expect(readdirSync(dir)).toEqual([]);

    const content = Buffer.concat([Buffer.alloc(60, 1), Buffer.alloc(41, 2)]);
    const large = await spool.read(chunks([content.subarray(0, 60), content.subarray(60)]), { maxBytes: 1000 });
    expect(large.bytes).toBeUndefined();
    expect(large.size).toBe(101);
    expect(large.sha512).toEqual(sha512(content));
    expect(readdirSync(dir)).toHaveLength(1);
    expect(await readAll(large)).toEqual(content);
    // Replayable: a second stream starts from the beginning.
    expect(await readAll(large)).toEqual(content);
    // The log's commitment is SHA-256(salt || body).
    const c = large.forLog as { size: number; salt: Buffer; sha256: Buffer };
    expect(c.size).toBe(101);
    expect(c.sha256).toEqual(createHash('sha256').update(c.salt).update(content).digest());
    await large.release();
    await large.release();
    expect(readdirSync(dir)).toEqual([]);
    expect(spool.held()).toBe(0);
  });

  it('refuses a body over the limit with TOO_LARGE and removes the partial file', async () => {
    const dir = freshDir();
    const spool = await createBodySpool({ dir, memoryBytes: 10 });
    const error = await spool.read(chunks([Buffer.alloc(20), Buffer.alloc(20)]), { maxBytes: 30 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BodyError);
    expect((error as BodyError).code).toBe('TONLE_ERR_BODY_TOO_LARGE');
    expect(readdirSync(dir)).toEqual([]);
    expect(spool.held()).toBe(0);
  });

  it('a source that breaks off is ABORTED and leaves no file', async () => {
    const dir = freshDir();
    const spool = await createBodySpool({ dir, memoryBytes: 10 });
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield Buffer.alloc(50);
      throw new Error('connection reset');
    }
    const error = await spool.read(broken(), { maxBytes: 1000 }).catch((e: unknown) => e);
    expect((error as BodyError).code).toBe('TONLE_ERR_BODY_ABORTED');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('removes leftovers of a crash from its own directory at start, and nothing else', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'tonle-00000000-0000-4000-8000-000000000000.spool'), 'old body');
    writeFileSync(join(dir, 'keep.txt'), 'not ours');
    await createBodySpool({ dir, memoryBytes: 10 });
    expect(readdirSync(dir)).toEqual(['keep.txt']);
  });

  it('a temporary spool directory it created is removed on close', async () => {
    const spool = await createBodySpool({ memoryBytes: 0 });
    const body = await spool.read(chunks([Buffer.from('x')]), { maxBytes: 10 });
    expect(readdirSync(spool.dir)).toHaveLength(1);
    await body.release();
    await spool.close();
    expect(() => readdirSync(spool.dir)).toThrow();
  });

  it('any chunking of any content gives the same bytes and digest, in memory or spooled', async () => {
    const dir = freshDir();
    const spool = await createBodySpool({ dir, memoryBytes: 64 });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 50 }), { maxLength: 8 }), async (parts) => {
        const content = Buffer.concat(parts);
        const body = await spool.read(chunks(parts), { maxBytes: 1000 });
        try {
          expect(body.size).toBe(content.length);
          expect(body.sha512).toEqual(sha512(content));
          expect(await readAll(body)).toEqual(content);
          expect(body.bytes === undefined).toBe(content.length > 64);
        } finally {
          await body.release();
        }
      }),
      { numRuns: 100 },
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('bodyFromBytes is an in-memory body with its digest', () => {
    const b = bodyFromBytes(new Uint8Array([1, 2, 3]));
    expect(b.size).toBe(3);
    expect(b.sha512).toEqual(sha512(new Uint8Array([1, 2, 3])));
    expect(bodyFromBytes(new Uint8Array(0)).sha512).toEqual(sha512(new Uint8Array(0)));
  });
});
