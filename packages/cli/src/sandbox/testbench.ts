import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Largest body `/bytes` generates: enough for streaming tests, small enough that a typo cannot fill a disk. */
export const TESTBENCH_MAX_BYTES = 1024 ** 3;
/** Longest wait `/slow` accepts. */
export const TESTBENCH_MAX_WAIT_MS = 600_000;
/** Keys `/flaky` remembers; the oldest is forgotten first, so a client cannot grow the map without bound. */
const FLAKY_KEYS = 1_000;
const CHUNK = 64 * 1024;

/**
 * Byte `i` of every body `/bytes` generates: `i mod 251`. A prime period never lines up with chunk or
 * buffer sizes (powers of two), so a lost, repeated or reordered chunk changes the digest.
 */
export function testbenchByte(i: number): number {
  return i % 251;
}

/** The first `n` bytes of the testbench pattern, generated in chunks as the reader asks for them. */
export function testbenchBytes(n: number): Readable {
  let sent = 0;
  // One period-aligned block: chunk k starts at offset k * CHUNK, so it is the block rotated by that offset mod 251.
  const block = Buffer.alloc(CHUNK + 251);
  for (let i = 0; i < block.length; i += 1) block[i] = testbenchByte(i);
  return new Readable({
    read() {
      if (sent >= n) {
        this.push(null);
        return;
      }
      const size = Math.min(CHUNK, n - sent);
      const start = sent % 251;
      sent += size;
      // A copy: the stream may keep the chunk queued while the next one is produced.
      this.push(Buffer.from(block.subarray(start, start + size)));
    },
  });
}

function intParam(value: string | undefined, name: string, min: number, max: number, fallback?: number): number | string {
  if (value === undefined || value === '') return fallback ?? `${name} is required`;
  if (!/^\d+$/.test(value)) return `${name} must be a whole number from ${min} to ${max}`;
  const n = Number(value);
  return n < min || n > max ? `${name} must be a whole number from ${min} to ${max}` : n;
}

function badRequest(reply: FastifyReply, error: string): FastifyReply {
  return reply.code(400).send({ error });
}

async function digestBody(request: FastifyRequest): Promise<{ length: number; sha256: string }> {
  // With the catch-all parser below the body is the request stream itself, read here chunk by chunk, so
  // a body of any size is counted and hashed without being held in memory.
  const source = request.body instanceof Readable ? request.body : request.raw;
  const hash = createHash('sha256');
  let length = 0;
  for await (const chunk of source as AsyncIterable<Buffer>) {
    hash.update(chunk);
    length += chunk.length;
  }
  return { length, sha256: hash.digest('hex') };
}

/**
 * The testbench: endpoints that let end-to-end tests of the client SDK (and anyone trying the sandbox)
 * exercise every call shape through the security servers. Registered under `/testbench` of the sample
 * service; the sandbox publishes it as `KH/GOV/70000002/population/testbench` (docs/sandbox.md).
 */
export async function testbenchRoutes(app: FastifyInstance): Promise<void> {
  // Every body reaches the handler as a stream, whatever its type (JSON is not parsed: /echo digests bytes).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  const echo = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const url = request.raw.url ?? '';
    const q = url.indexOf('?');
    const path = (q === -1 ? url : url.slice(0, q)).replace(/^\/testbench/, '');
    const body = await digestBody(request);
    reply.header('x-testbench-method', request.method);
    reply.header('cache-control', 'no-store');
    return { method: request.method, path, query: q === -1 ? '' : url.slice(q + 1), headers: request.headers, body };
  };
  app.all('/echo', echo);
  app.all('/echo/*', echo);

  app.get<{ Querystring: { n?: string } }>('/bytes', async (request, reply) => {
    const n = intParam(request.query.n, 'n', 0, TESTBENCH_MAX_BYTES);
    if (typeof n === 'string') return badRequest(reply, n);
    reply.header('content-type', 'application/octet-stream');
    reply.header('content-length', String(n));
    return reply.send(testbenchBytes(n));
  });

  app.get<{ Querystring: { ms?: string } }>('/slow', async (request, reply) => {
    const ms = intParam(request.query.ms, 'ms', 0, TESTBENCH_MAX_WAIT_MS);
    if (typeof ms === 'string') return badRequest(reply, ms);
    // Stop waiting when the caller goes away (its security server gave up), so no timer outlives the call.
    const gone = new AbortController();
    request.raw.socket.once('close', () => gone.abort());
    try {
      await sleep(ms, undefined, { signal: gone.signal });
    } catch {
      return reply;
    }
    return { waitedMs: ms };
  });

  app.all<{ Params: { code: string } }>('/status/:code', async (request, reply) => {
    const code = intParam(request.params.code, 'the status', 200, 599);
    if (typeof code === 'string') return badRequest(reply, code);
    await digestBody(request);
    reply.header('x-testbench-status', String(code));
    return reply.code(code).send({ status: code, error: `the testbench answered ${code} as asked` });
  });

  const calls = new Map<string, number>();
  app.all<{ Params: { key: string }; Querystring: { failures?: string } }>('/flaky/:key', async (request, reply) => {
    const failures = intParam(request.query.failures, 'failures', 0, 100, 1);
    if (typeof failures === 'string') return badRequest(reply, failures);
    await digestBody(request);
    const key = request.params.key;
    const n = (calls.get(key) ?? 0) + 1;
    calls.delete(key);
    calls.set(key, n);
    if (calls.size > FLAKY_KEYS) calls.delete(calls.keys().next().value as string);
    // 503 is "try again later" (RFC 9110 15.6.4): what a provider says while it restarts or is overloaded.
    if (n <= failures) return reply.code(503).header('retry-after', '0').send({ calls: n, error: 'unavailable, try again' });
    return { calls: n };
  });
  app.get<{ Params: { key: string } }>('/calls/:key', async (request) => ({ calls: calls.get(request.params.key) ?? 0 }));

  app.all('/broken', async (request, reply) => {
    // A provider that breaks off its answer: headers and half the promised body, then the connection closes.
    await digestBody(request);
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' });
    reply.raw.write('x'.repeat(500), () => request.raw.socket.destroy());
    return reply;
  });

  app.all('/hangup', async (request, reply) => {
    // A provider that fails mid-exchange: it takes the request, then closes the connection without any answer.
    await digestBody(request);
    request.raw.socket.destroy();
    return reply;
  });
}
