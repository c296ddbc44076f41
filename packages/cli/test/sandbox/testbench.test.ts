import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPopulationRegisterApp } from '../../src/sandbox/index.ts';
import { testbenchByte } from '../../src/sandbox/testbench.ts';

function pattern(n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i += 1) out[i] = testbenchByte(i);
  return out;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe('the sample service testbench (over a real socket)', () => {
  let app: FastifyInstance;
  let url: string;
  beforeAll(async () => {
    app = createPopulationRegisterApp();
    url = `${await app.listen({ port: 0, host: '127.0.0.1' })}/testbench`;
  });
  afterAll(async () => {
    await app.close();
  });

  it('echoes method, path, query, headers and the digest of any body', async () => {
    const body = Buffer.from([0, 1, 2, 255, 254]);
    const res = await fetch(`${url}/echo/a/b%20c?x=1&x=2`, { method: 'PATCH', body, headers: { 'content-type': 'application/x-thing', 'x-custom': 'v' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-testbench-method')).toBe('PATCH');
    expect(await res.json()).toMatchObject({
      method: 'PATCH',
      path: '/echo/a/b%20c',
      query: 'x=1&x=2',
      headers: { 'x-custom': 'v', 'content-type': 'application/x-thing' },
      body: { length: 5, sha256: sha256(body) },
    });
    // JSON is digested as bytes, not parsed; no body digests as the empty string.
    const json = await (await fetch(`${url}/echo`, { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } })).json();
    expect(json).toMatchObject({ body: { length: 7, sha256: sha256(Buffer.from('{"a":1}')) } });
    const empty = await (await fetch(`${url}/echo`, { method: 'DELETE' })).json();
    expect(empty).toMatchObject({ method: 'DELETE', body: { length: 0, sha256: sha256(Buffer.alloc(0)) } });
  });

  it('generates n bytes of the documented pattern, across chunk boundaries', async () => {
    const n = 3 * 64 * 1024 + 17;
    const res = await fetch(`${url}/bytes?n=${n}`);
    expect(res.headers.get('content-length')).toBe(String(n));
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.equals(pattern(n))).toBe(true);
    expect((await fetch(`${url}/bytes?n=0`).then((r) => r.arrayBuffer())).byteLength).toBe(0);
    for (const bad of ['', '-1', 'x', '1e3', String(1024 ** 3 + 1)]) expect((await fetch(`${url}/bytes?n=${bad}`)).status).toBe(400);
  });

  it('answers /slow after the wait, /status with the asked status, and rejects bad numbers', async () => {
    expect(await (await fetch(`${url}/slow?ms=50`)).json()).toEqual({ waitedMs: 50 });
    expect((await fetch(`${url}/slow?ms=999999999`)).status).toBe(400);
    const teapot = await fetch(`${url}/status/418`, { method: 'POST', body: 'ignored' });
    expect(teapot.status).toBe(418);
    expect(await teapot.json()).toMatchObject({ status: 418 });
    expect((await fetch(`${url}/status/503`)).status).toBe(503);
    for (const bad of ['199', '600', 'abc']) expect((await fetch(`${url}/status/${bad}`)).status).toBe(400);
  });

  it('/flaky fails the first n calls per key with 503, then succeeds; /calls counts them', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await fetch(`${url}/flaky/k1?failures=2`)).status);
    expect(statuses).toEqual([503, 503, 200, 200]);
    expect(await (await fetch(`${url}/calls/k1`)).json()).toEqual({ calls: 4 });
    expect(await (await fetch(`${url}/calls/never`)).json()).toEqual({ calls: 0 });
    expect((await fetch(`${url}/flaky/k2?failures=101`)).status).toBe(400);
  });

  it('/hangup closes the connection without an answer', async () => {
    await expect(fetch(`${url}/hangup`)).rejects.toThrow();
  });

  it('/broken sends headers and half the body, then closes the connection', async () => {
    const res = await fetch(`${url}/broken`);
    expect(res.status).toBe(200);
    await expect(res.arrayBuffer()).rejects.toThrow();
  });

  it('keeps the population register answering', async () => {
    const res = await fetch(`${url.replace(/\/testbench$/, '')}/persons/38001010014`);
    expect(await res.json()).toMatchObject({ familyName: 'Chan' });
  });
});
