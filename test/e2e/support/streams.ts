import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

/**
 * A stream of `total` bytes in `chunkSize` chunks, hashed (SHA-256) as produced and never held whole. The
 * bytes are windows into one random block whose length is no multiple of the chunk size, so consecutive
 * chunks differ (a lost, repeated or reordered chunk changes the digest) while producing them makes no
 * garbage: the test process's memory then shows what the SDK holds, not what the test generated.
 */
export function randomBody(total: number, chunkSize = 64 * 1024): { stream: Readable; digest: () => string } {
  const period = 1024 * 1024 + 4099;
  const half = randomBytes(period);
  const block = Buffer.concat([half, half]);
  const hash = createHash('sha256');
  let sent = 0;
  const stream = new Readable({
    read() {
      if (sent >= total) {
        this.push(null);
        return;
      }
      const size = Math.min(chunkSize, total - sent, period);
      const start = sent % period;
      const chunk = block.subarray(start, start + size);
      sent += size;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { stream, digest: () => hash.digest('hex') };
}

/** Length and SHA-256 (hex) of a body read as a stream, chunk by chunk. */
export async function digestOf(body: AsyncIterable<Uint8Array>): Promise<{ length: number; sha256: string }> {
  const hash = createHash('sha256');
  let length = 0;
  for await (const chunk of body) {
    hash.update(chunk);
    length += chunk.length;
  }
  return { length, sha256: hash.digest('hex') };
}

/** Length and SHA-256 of the first `n` bytes of the testbench's `/bytes` pattern (byte i = i mod 251, docs/sandbox.md). */
export function testbenchDigest(n: number): { length: number; sha256: string } {
  const hash = createHash('sha256');
  const period = Buffer.alloc(251 * 1024);
  for (let i = 0; i < period.length; i += 1) period[i] = i % 251;
  for (let done = 0; done < n; done += period.length) hash.update(period.subarray(0, Math.min(period.length, n - done)));
  return { length: n, sha256: hash.digest('hex') };
}
