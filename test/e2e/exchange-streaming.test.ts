/**
 * Large bodies through both security servers over real sockets, with a small memory threshold so that
 * every body here is spooled: streamed and hashed on the way, held on disk until its signed digest
 * matched, spool files gone afterwards, also when the exchange fails.
 */
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startNetwork, type Network } from './support/network.ts';
import { generatedBytes } from './support/provider.ts';

const MiB = 1024 * 1024;
let net: Network;

beforeAll(async () => {
  net = await startNetwork({ spoolMemoryBytes: 256 * 1024, maxBodyBytes: 64 * MiB });
}, 180_000);
afterAll(async () => net?.close());
afterEach(() => {
  net.relay.mode = 'none';
});

const CLIENT = 'EE/GOV/1111/consumer';
const SERVICE = '/r1/EE/GOV/2222/provider/echo';

function digest(chunks: Iterable<Buffer>): string {
  const h = createHash('sha256');
  for (const c of chunks) h.update(c);
  return h.digest('hex');
}

/** Calls SS-A's client proxy; the answer body is hashed as it arrives, never held. */
async function call(path: string, options: { method?: string; body?: Readable; length?: number } = {}) {
  const res = await request(`${net.url}${SERVICE}${path}`, {
    method: (options.method ?? 'GET') as 'GET',
    headers: { 'x-road-client': CLIENT, ...(options.length === undefined ? {} : { 'content-length': String(options.length) }) },
    ...(options.body === undefined ? {} : { body: options.body }),
  });
  const h = createHash('sha256');
  let size = 0;
  for await (const chunk of res.body) {
    h.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { status: res.statusCode, headers: res.headers, size, sha256: h.digest('hex') };
}

/** Spool files go when each server's side of the exchange has closed, which may be just after the client got its answer. */
async function spoolsEmpty(): Promise<void> {
  const held = () => [...readdirSync(net.a.spoolDir), ...readdirSync(net.b.spoolDir)];
  for (let i = 0; i < 100 && held().length > 0; i++) await new Promise((r) => setTimeout(r, 50));
  expect(readdirSync(net.a.spoolDir)).toEqual([]);
  expect(readdirSync(net.b.spoolDir)).toEqual([]);
}

/** The last records each side logged for this exchange, with what they hold of the body. */
function recordsOf(side: Network['a'], xRoadId: string) {
  return side.messageLog.records.filter((r) => r.xRoadId === xRoadId).map((r) => r.kind);
}

describe('large bodies stream through both security servers', () => {
  it('a 40 MiB request body goes up and comes back byte for byte, spooled on both sides and removed after', async () => {
    const n = 40 * MiB;
    const res = await call('/stream-echo', { method: 'POST', body: Readable.from(generatedBytes(n)), length: n });
    expect(res.status).toBe(200);
    expect(res.size).toBe(n);
    expect(res.sha256).toBe(digest(generatedBytes(n)));
    const id = String(res.headers['x-road-id']);
    expect(recordsOf(net.a, id)).toEqual(['request', 'response']);
    expect(recordsOf(net.b, id)).toEqual(['request', 'response']);
    await spoolsEmpty();
  }, 120_000);

  it('a chunked request body without Content-Length streams the same way', async () => {
    const n = 3 * MiB + 17;
    const res = await call('/stream-echo', { method: 'PUT', body: Readable.from(generatedBytes(n, 10_000)) });
    expect(res.status).toBe(200);
    expect(res.size).toBe(n);
    expect(res.sha256).toBe(digest(generatedBytes(n, 10_000)));
    await spoolsEmpty();
  }, 60_000);

  it('a 30 MiB response body comes down intact', async () => {
    const n = 30 * MiB;
    const res = await call(`/bytes/${n}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe(String(n));
    expect(res.sha256).toBe(digest(generatedBytes(n)));
    await spoolsEmpty();
  }, 120_000);

  it('a provider that closes the connection mid-body fails the exchange with ServiceFailed, nothing half-sent, no spool left', async () => {
    const res = await call(`/break/${2 * MiB}`);
    expect(res.status).toBe(500);
    expect(res.headers['x-road-error']).toBe('Server.ServerProxy.ServiceFailed');
    await spoolsEmpty();
  }, 60_000);

  it('a body over the limit is 413 Client.RequestTooLarge, whether announced or not, and never reaches the provider side', async () => {
    const before = net.b.messageLog.records.length;
    // Announced: refused from the headers, before a byte of the body is read.
    const announced = await call('/stream-echo', { method: 'POST', body: Readable.from(generatedBytes(65 * MiB)), length: 65 * MiB });
    expect({ status: announced.status, code: announced.headers['x-road-error'] }).toEqual({ status: 413, code: 'Client.RequestTooLarge' });
    // Chunked: refused once the limit is passed; the proxy answers and closes the connection while the
    // client is still sending, so the client sees the 413 or, if its write fails first, a broken connection.
    const chunked = await call('/stream-echo', { method: 'POST', body: Readable.from(generatedBytes(65 * MiB)) }).then(
      (r) => `${r.status} ${String(r.headers['x-road-error'])}`,
      (e: unknown) => `error ${String((e as { code?: unknown }).code)}`,
    );
    expect(chunked).toMatch(/^(413 Client\.RequestTooLarge|error (UND_ERR_SOCKET|ECONNRESET|EPIPE))$/);
    expect(net.b.messageLog.records.length).toBe(before);
    await spoolsEmpty();
  }, 120_000);

  it('a spooled body flipped in transit is refused before it is forwarded, and its spool file removed', async () => {
    net.relay.mode = 'request-body';
    const n = 2 * MiB;
    const res = await call('/stream-echo', { method: 'POST', body: Readable.from(generatedBytes(n)), length: n });
    expect(res.status).toBe(500);
    expect(res.headers['x-road-error']).toBe('Server.ServerProxy.InvalidSignatureValue');
    const id = String(res.headers['x-road-id'] ?? '');
    expect(net.b.messageLog.records.filter((r) => r.kind === 'request' && r.xRoadId === id)).toEqual([]);
    await spoolsEmpty();
  }, 60_000);

  it('an information system that gives up mid-upload leaves no spool file and nothing on the provider side', async () => {
    const before = net.b.messageLog.records.length;
    const n = 8 * MiB;
    async function* halfThenFail(): AsyncGenerator<Buffer> {
      let sent = 0;
      for (const chunk of generatedBytes(n)) {
        if (sent > n / 2) throw new Error('the information system crashed');
        sent += chunk.length;
        yield chunk;
      }
    }
    await expect(call('/stream-echo', { method: 'POST', body: Readable.from(halfThenFail()), length: n })).rejects.toThrow();
    expect(net.b.messageLog.records.length).toBe(before);
    await spoolsEmpty();
  }, 60_000);
});
