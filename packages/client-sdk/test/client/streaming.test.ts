import { createHash } from 'node:crypto';
import { createClient, type XRoadClient } from '@tonle/client-sdk';
import { createMockSecurityServer, type MockSecurityServer } from '@tonle/client-sdk/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLIENT = 'EE/GOV/70000002/benefits';
const PROVIDER = 'EE/GOV/70000001/archive';
const MiB = 1024 * 1024;
const TOTAL = 100 * MiB;
const CHUNK = 64 * 1024;
/**
 * Generous (garbage awaiting collection measures 5-40 MiB here), yet below what buffering the whole
 * 100 MiB body once, on either side, would take.
 */
const RSS_BOUND = 80 * MiB;

function* chunks(): Generator<Buffer> {
  for (let i = 0; i < TOTAL / CHUNK; i += 1) yield Buffer.alloc(CHUNK, i % 251);
}

async function* slowChunks(): AsyncGenerator<Buffer> {
  for (const chunk of chunks()) yield chunk;
}

function expectedSha256(): string {
  const hash = createHash('sha256');
  for (const chunk of chunks()) hash.update(chunk);
  return hash.digest('hex');
}

/** Samples RSS while `work` runs; returns the peak growth over the level before. */
async function peakRssGrowth(work: () => Promise<void>): Promise<number> {
  globalThis.gc?.();
  const before = process.memoryUsage.rss();
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, process.memoryUsage.rss());
  return peak - before;
}

let ss: MockSecurityServer;
let client: XRoadClient;
let sha256: string;

beforeAll(async () => {
  sha256 = expectedSha256();
  ss = await createMockSecurityServer({
    services: {
      [`${PROVIDER}/upload`]: async (req) => {
        const hash = createHash('sha256');
        let size = 0;
        for await (const chunk of req.body) {
          hash.update(chunk as Buffer);
          size += (chunk as Buffer).length;
        }
        return { json: { size, sha256: hash.digest('hex') } };
      },
      [`${PROVIDER}/download`]: () => ({ headers: { 'content-type': 'application/octet-stream' }, body: slowChunks() }),
    },
  });
  client = createClient({ securityServer: ss.url, client: CLIENT, timeoutMs: 120_000 });
});

afterAll(async () => {
  await client.close();
  await ss.close();
});

describe('streaming 100 MiB with bounded memory', () => {
  it('uploads a streamed body', { timeout: 180_000 }, async () => {
    let answer: unknown;
    const growth = await peakRssGrowth(async () => {
      const res = await client.call({ service: `${PROVIDER}/upload`, method: 'PUT', body: slowChunks() });
      answer = await res.json();
    });
    expect(answer).toEqual({ size: TOTAL, sha256 });
    expect(growth).toBeLessThan(RSS_BOUND);
  });

  it('downloads a streamed response', { timeout: 180_000 }, async () => {
    const hash = createHash('sha256');
    let size = 0;
    const growth = await peakRssGrowth(async () => {
      const res = await client.call({ service: `${PROVIDER}/download` });
      expect(res.status).toBe(200);
      for await (const chunk of res.body) {
        hash.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
    });
    expect(size).toBe(TOTAL);
    expect(hash.digest('hex')).toBe(sha256);
    expect(growth).toBeLessThan(RSS_BOUND);
  });
});
