import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

/** A stream of `total` random bytes in `chunkSize` chunks, hashed (SHA-256) as produced and never held whole. */
export function randomBody(total: number, chunkSize = 64 * 1024): { stream: Readable; digest: () => string } {
  const hash = createHash('sha256');
  let sent = 0;
  const stream = new Readable({
    read() {
      if (sent >= total) {
        this.push(null);
        return;
      }
      const chunk = randomBytes(Math.min(chunkSize, total - sent));
      sent += chunk.length;
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
