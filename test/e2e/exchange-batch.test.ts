/**
 * Adaptive batch signing under concurrent load with RSA-3072 signing keys (architecture §5): batches of
 * more than one message occur, and every message still verifies end to end.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call } from './support/http.ts';
import { startNetwork, type Network } from './support/network.ts';

let net: Network;
beforeAll(async () => {
  net = await startNetwork({ keySpec: 'RSA-3072', batch: true });
}, 180_000);
afterAll(async () => net?.close());

it('batches > 1 occur under concurrent load and every message verifies', async () => {
  const rounds = 3;
  const concurrency = 48;
  for (let round = 0; round < rounds; round++) {
    const bodies = Array.from({ length: concurrency }, () => randomBytes(1024));
    const answers = await Promise.all(
      bodies.map((body) =>
        call(`${net.url}/r1/EE/GOV/2222/provider/echo/binary`, { method: 'POST', headers: [['X-Road-Client', 'EE/GOV/1111/consumer'], ['Content-Type', 'application/octet-stream']], body }),
      ),
    );
    for (const [i, res] of answers.entries()) {
      expect(res.status, res.body.toString().slice(0, 300)).toBe(200);
      expect(createHash('sha256').update(res.body).digest('hex')).toBe(createHash('sha256').update(bodies[i] as Buffer).digest('hex'));
    }
  }
  const sizes = [...net.a.batchSizes, ...net.b.batchSizes];
  expect(sizes.reduce((a, b) => a + b, 0)).toBe(2 * rounds * concurrency);
  expect(Math.max(...sizes)).toBeGreaterThan(1);
  // Every logged message carries its inclusion proof into the batch its signature covers.
  const proofs = net.b.messageLog.records.filter((r) => r.kind === 'request').map((r) => r.batchProof as { size: number } | undefined);
  expect(proofs.every((p) => p !== undefined && p.size >= 1)).toBe(true);
}, 180_000);
