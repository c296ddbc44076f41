// Issue "Client SDK" acceptance: @tonle/client-sdk driven through the sandbox's two security servers (the
// consumer's ss-social and the provider's ss-population, real mutual TLS, signatures, message logs) to the
// sample process's testbench service (docs/sandbox.md "The testbench"). One sandbox, started as a user
// starts it, in its own folder and port range.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  GatewayError,
  ProviderError,
  TransportError,
  TransportErrorCode,
  createClient,
  isGatewayError,
  type RetryInfo,
  type XRoadClient,
} from '@tonle/client-sdk';
import { encodePem, exportPrivateKeyPem, generateKeyPair, issueCertificate } from '@tonle/pki';
import { computeRequestHash } from '@tonle/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestOf, randomBody, testbenchDigest } from './support/streams.ts';
import { admin, startSandbox, type RunningSandbox, type SandboxNetwork } from './support/sandbox.ts';

// 4000-9970: disjoint from sandbox.e2e's 10000-24970 and from the default sandbox at 27100.
const basePort = 4_000 + Math.floor(Math.random() * 200) * 30;

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const sha512 = (bytes: Uint8Array): Uint8Array => createHash('sha512').update(bytes).digest();

interface Echo {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body: { length: number; sha256: string };
}

/** Established TCP connections from this machine to `port` (the client side's local ports), from /proc/net/tcp. */
function connectionsTo(port: number): Set<number> {
  const ports = new Set<number>();
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || f[3] !== '01') continue; // 01 = ESTABLISHED
    const remote = Number.parseInt(f[2]?.split(':')[1] ?? '', 16);
    if (remote === port) ports.add(Number.parseInt(f[1]?.split(':')[1] ?? '', 16));
  }
  return ports;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );
}

describe('the client SDK through the sandbox', () => {
  let sandbox: RunningSandbox;
  let net: SandboxNetwork;
  let client: XRoadClient;
  let tb: string;
  let provider: string;

  beforeAll(async () => {
    sandbox = await startSandbox(basePort);
    net = sandbox.network;
    tb = net.provider.testbenchService;
    provider = net.provider.client;
    client = createClient({ securityServer: net.consumer.clientProxyUrl, client: net.consumer.client, timeoutMs: 60_000, retry: { minDelayMs: 20 } });
    // As the provider's operator: the testbench again with a 1 s timeout (to provoke the provider side's
    // ServiceFailed.Timeout), granted; and a service nobody is granted (AccessDenied).
    const url = `${net.sampleServiceUrl}/testbench`;
    const colon = (id: string): string => id.split('/').join(':');
    await admin(net.provider, 'POST', '/services', { id: colon(`${provider}/testbench-impatient`), url, type: 'REST', timeoutSeconds: 1 });
    await admin(net.provider, 'POST', `/services/${colon(`${provider}/testbench-impatient`)}/access-rights`, { subject: colon(net.consumer.client) });
    await admin(net.provider, 'POST', '/services', { id: colon(`${provider}/testbench-restricted`), url, type: 'REST', timeoutSeconds: 30 });
  }, 300_000);

  afterAll(async () => {
    await client?.close();
    sandbox?.destroy();
  });

  it('sends every method with path, query, headers and X-Road headers, and returns status, headers and X-Road ids', async () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'DELETE', 'PUT', 'POST', 'PATCH']) {
      const id = randomUUID();
      const res = await client.call({
        service: tb,
        method,
        path: `/echo/m/${method.toLowerCase()}/caf%C3%A9`,
        query: { a: ['1', '2'], b: 'x y', 'ä': 'ö' },
        headers: { 'x-trace': `t-${method}`, accept: 'application/json' },
        id,
        userId: 'KH38001010014',
        issue: 'case-42',
      });
      expect(res.status, method).toBe(200);
      expect(res.headers['x-testbench-method']).toBe(method);
      expect(res.xroad.id).toBe(id);
      expect(res.xroad.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.xroad.requestHash).toMatch(/^[A-Za-z0-9+/]{86}==$/);
      expect(res.xroad.client).toMatchObject({ instance: 'KH', memberCode: '70000001', subsystemCode: 'benefits' });
      expect(res.xroad.service).toMatchObject({ memberCode: '70000002', subsystemCode: 'population', serviceCode: 'testbench' });
      if (method === 'HEAD') {
        expect((await res.bytes()).length).toBe(0);
        continue;
      }
      const echo = await res.json<Echo>();
      expect(echo.method).toBe(method);
      expect(echo.path).toBe(`/echo/m/${method.toLowerCase()}/caf%C3%A9`);
      expect(echo.query).toBe(new URLSearchParams([['a', '1'], ['a', '2'], ['b', 'x y'], ['ä', 'ö']]).toString());
      // What the provider received: our headers, and the X-Road headers both security servers agreed on.
      expect(echo.headers).toMatchObject({
        'x-trace': `t-${method}`,
        accept: 'application/json',
        'x-road-client': net.consumer.client,
        'x-road-id': id,
        'x-road-request-id': res.xroad.requestId,
        'x-road-userid': 'KH38001010014',
        'x-road-issue': 'case-42',
      });
    }
  }, 120_000);

  it('sends JSON, text, binary, stream, async-iterable and web-stream bodies intact', async () => {
    const json = { name: 'Sokha', list: [1, 2, 3], nested: { ok: true } };
    const binary = randomBytes(1024 * 1024 + 7);
    const streamed = randomBody(6 * 1024 * 1024 + 13);
    const parts = [randomBytes(100_000), randomBytes(3), randomBytes(70_000)];
    const whole = Buffer.concat(parts);
    const cases: { label: string; options: Parameters<XRoadClient['call']>[0]; sha: () => string; length: number; type: string }[] = [
      { label: 'json', options: { service: tb, path: '/echo', json }, sha: () => sha256(Buffer.from(JSON.stringify(json))), length: JSON.stringify(json).length, type: 'application/json' },
      { label: 'text', options: { service: tb, method: 'PUT', path: '/echo', body: 'ຊື່ text ✓' }, sha: () => sha256(Buffer.from('ຊື່ text ✓')), length: Buffer.byteLength('ຊື່ text ✓'), type: 'text/plain; charset=utf-8' },
      { label: 'binary', options: { service: tb, path: '/echo', body: binary }, sha: () => sha256(binary), length: binary.length, type: 'application/octet-stream' },
      { label: 'stream', options: { service: tb, method: 'PUT', path: '/echo', body: streamed.stream, headers: { 'content-type': 'application/pdf' } }, sha: streamed.digest, length: 6 * 1024 * 1024 + 13, type: 'application/pdf' },
      {
        label: 'async iterable',
        options: { service: tb, path: '/echo', body: (async function* () { yield* parts; })() },
        sha: () => sha256(whole),
        length: whole.length,
        type: 'application/octet-stream',
      },
      { label: 'web stream', options: { service: tb, path: '/echo', body: Readable.toWeb(Readable.from(parts)) as ReadableStream<Uint8Array> }, sha: () => sha256(whole), length: whole.length, type: 'application/octet-stream' },
    ];
    for (const c of cases) {
      const res = await client.call(c.options);
      expect(res.status, c.label).toBe(200);
      const echo = await res.json<Echo>();
      expect(echo.body, c.label).toEqual({ length: c.length, sha256: c.sha() });
      expect(echo.headers['content-type'], c.label).toBe(c.type);
    }
  }, 120_000);

  it('returns binary response bodies as a stream, chunk by chunk, intact', async () => {
    const n = 8 * 1024 * 1024 + 5;
    const res = await client.call({ service: tb, path: '/bytes', query: { n } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(await digestOf(res.body)).toEqual(testbenchDigest(n));
    const small = await client.call({ service: tb, path: '/bytes', query: { n: 1000 } });
    const bytes = await small.bytes();
    expect({ length: bytes.length, sha256: sha256(bytes) }).toEqual(testbenchDigest(1000));
  }, 120_000);

  it('streams 24 MiB up and 24 MiB down at the same time, both intact', async () => {
    // Memory is measured in sdk-streaming.e2e.test.ts (100 MiB, where holding a body would show plainly).
    const n = 24 * 1024 * 1024;
    const up = randomBody(n);
    const [echoed, down] = await Promise.all([
      client.call({ service: tb, method: 'PUT', path: '/echo', body: up.stream }).then((r) => r.json<Echo>()),
      client.call({ service: tb, path: '/bytes', query: { n } }).then((r) => digestOf(r.body)),
    ]);
    expect(echoed.body).toEqual({ length: n, sha256: up.digest() });
    expect(down).toEqual(testbenchDigest(n));
  }, 180_000);

  it('matches the X-Road id, request id and request hash the provider security server logged', async () => {
    const json = { lookup: '38001010014', at: randomUUID() };
    const res = await client.call({ service: tb, path: '/echo/hash', query: 'q=1', json });
    await res.dump();
    const xRoadId = res.xroad.id as string;
    // The evidence bundle is served once a time-stamped checkpoint covers the message (every 5 s in the sandbox).
    const url = `${net.provider.adminUrl}/message-log/evidence/${encodeURIComponent(xRoadId)}`;
    let response = await fetch(url, { headers: { authorization: `X-Road-ApiKey token=${net.provider.adminApiKey}` } });
    const deadline = performance.now() + 60_000;
    while (response.status === 404 && performance.now() < deadline) {
      await response.arrayBuffer();
      await sleep(1_000);
      response = await fetch(url, { headers: { authorization: `X-Road-ApiKey token=${net.provider.adminApiKey}` } });
    }
    expect(response.status).toBe(200);
    const bundle = (await response.json()) as { items: { entry: string }[] };
    const records = bundle.items.map((i) => JSON.parse(Buffer.from(i.entry, 'base64').toString('utf8')) as Record<string, unknown>);
    const request = records.find((r) => r['type'] === 'message' && r['kind'] === 'request');
    const response_ = records.find((r) => r['type'] === 'message' && r['kind'] === 'response');
    expect(request).toMatchObject({ side: 'server', xRoadId, requestId: res.xroad.requestId, client: net.consumer.client, service: tb });
    expect(response_).toMatchObject({ xRoadId, requestId: res.xroad.requestId, status: 200 });
    // X-Road-Request-Hash is the digest of the request the provider's server logged: its header part and body.
    const headerPart = Buffer.from(String(request?.['headerPart']), 'utf8');
    expect(computeRequestHash(sha512, headerPart, sha512(Buffer.from(JSON.stringify(json))))).toBe(res.xroad.requestHash);
  }, 120_000);

  it('maps X-Road faults raised by either security server to GatewayError', async () => {
    const fault = async (options: Parameters<XRoadClient['call']>[0], via: XRoadClient = client): Promise<GatewayError> => {
      const error = await rejection(via.call(options));
      expect(error).toBeInstanceOf(GatewayError);
      return error as GatewayError;
    };
    // The provider's server does not know the service.
    const unknown = await fault({ service: `${provider}/no-such-service` });
    expect(unknown).toMatchObject({ code: 'Server.ServerProxy.UnknownService', status: 500 });
    expect(unknown.detail).toMatch(/^[0-9a-f-]{36}$/);
    // No security server in the global configuration hosts the provider.
    expect(await fault({ service: 'KH/GOV/79999999/nobody/x' })).toMatchObject({ code: 'Server.ClientProxy.UnknownService' });
    // The service exists but our subsystem has no access right.
    expect(await fault({ service: `${provider}/testbench-restricted`, path: '/echo' })).toMatchObject({ code: 'Server.ServerProxy.AccessDenied' });
    // The provider's service is slower than the 1 s its operator allows.
    expect(await fault({ service: `${provider}/testbench-impatient`, path: '/slow', query: { ms: 5_000 } })).toMatchObject({
      code: 'Server.ServerProxy.ServiceFailed.Timeout',
    });
    // The provider's service breaks off its answer.
    expect(await fault({ service: tb, path: '/broken' })).toMatchObject({ code: 'Server.ServerProxy.ServiceFailed' });
    // A client not registered on the consumer's server (it must call its own security server).
    const stranger = createClient({ securityServer: net.consumer.clientProxyUrl, client: provider });
    try {
      expect(await fault({ service: tb, path: '/echo' }, stranger)).toMatchObject({ code: 'Server.ClientProxy.UnknownMember' });
    } finally {
      await stranger.close();
    }
    // An identifier the security server cannot parse: the string form is refused before anything is sent,
    // an object reaches the server, which answers Client.InvalidClientIdentifier.
    expect(() => createClient({ securityServer: net.consumer.clientProxyUrl, client: 'KH/GOV//benefits' })).toThrow(
      expect.objectContaining({ code: 'TONLE_ERR_ID_EMPTY_PART' }),
    );
    const malformed = createClient({
      securityServer: net.consumer.clientProxyUrl,
      client: { type: 'SUBSYSTEM', instance: 'KH', memberClass: 'GOV', memberCode: '', subsystemCode: 'benefits' },
    });
    try {
      expect(await fault({ service: tb, path: '/echo' }, malformed)).toMatchObject({ code: 'Client.InvalidClientIdentifier', status: 400 });
    } finally {
      await malformed.close();
    }
  }, 120_000);

  it("returns the provider's own 4xx/5xx as responses, and throws ProviderError when asked", async () => {
    for (const status of [400, 404, 418, 500]) {
      const res = await client.call({ service: tb, method: 'POST', path: `/status/${status}`, json: {} });
      expect(res.status).toBe(status);
      expect(res.headers['x-road-error']).toBeUndefined();
      expect(await res.json()).toMatchObject({ status });
      expect(res.xroad.id).toMatch(/^KH-/);
    }
    const error = await rejection(client.call({ service: tb, path: '/status/418', throwOnProviderError: true }));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'TONLE_ERR_SDK_PROVIDER_ERROR', status: 418 });
    expect(JSON.parse((error as ProviderError).text())).toMatchObject({ status: 418 });
    expect((error as ProviderError).xroad.id).toMatch(/^KH-/);
  }, 60_000);

  it('retries GET and PUT on a 503 until the provider answers, and never retries POST', async () => {
    const seen: RetryInfo[] = [];
    const retry = { retries: 3, minDelayMs: 20, onRetry: (info: RetryInfo) => seen.push(info) };
    const calls = async (key: string): Promise<number> =>
      (await (await client.call({ service: tb, path: `/calls/${key}`, retry: false })).json<{ calls: number }>()).calls;

    const get = randomUUID();
    const ok = await client.call({ service: tb, path: `/flaky/${get}`, query: { failures: 2 }, retry });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ calls: 3 });
    expect(seen.map((s) => s.reason)).toEqual(['503', '503']);
    expect(await calls(get)).toBe(3);

    seen.length = 0;
    const put = randomUUID();
    expect((await client.call({ service: tb, method: 'PUT', path: `/flaky/${put}`, query: { failures: 1 }, json: { v: 1 }, retry })).status).toBe(200);
    expect(seen.map((s) => s.reason)).toEqual(['503']);
    expect(await calls(put)).toBe(2);

    // POST may have had an effect: the 503 comes back after one attempt.
    seen.length = 0;
    const post = randomUUID();
    const refused = await client.call({ service: tb, method: 'POST', path: `/flaky/${post}`, query: { failures: 1 }, json: { v: 1 }, retry });
    expect(refused.status).toBe(503);
    await refused.dump();
    expect(seen).toEqual([]);
    expect(await calls(post)).toBe(1);

    // Nor a GET whose body is a stream (it cannot be sent twice), nor with retries off.
    const streamed = randomUUID();
    expect((await client.call({ service: tb, method: 'PUT', path: `/flaky/${streamed}`, body: Readable.from([Buffer.from('once')]), retry })).status).toBe(503);
    const off = randomUUID();
    expect((await client.call({ service: tb, path: `/flaky/${off}`, retry: false })).status).toBe(503);
    expect(seen).toEqual([]);
    expect(await calls(streamed)).toBe(1);
    expect(await calls(off)).toBe(1);
  }, 120_000);

  it('does not retry faults after which the provider may have acted', async () => {
    const seen: RetryInfo[] = [];
    const error = await rejection(client.call({ service: tb, path: '/hangup', retry: { retries: 3, minDelayMs: 20, onRetry: (i) => seen.push(i) } }));
    // The provider took the request and closed the connection: ServiceFailed (it was reached, it may have
    // acted), which the SDK must not repeat.
    expect(isGatewayError(error) && (error as GatewayError).code).toBe('Server.ServerProxy.ServiceFailed');
    expect(seen).toEqual([]);
  }, 60_000);

  it('retries a GET whose connection to the security server could not be made, then reports it', async () => {
    // A security server that is down (nothing listens on this port of the sandbox's range): the request was
    // never sent, so a GET is retried; a POST is not (the SDK retries idempotent methods only).
    const seen: RetryInfo[] = [];
    const down = createClient({ securityServer: `http://127.0.0.1:${basePort + 29}`, client: net.consumer.client, retry: { retries: 2, minDelayMs: 20, onRetry: (i) => seen.push(i) } });
    try {
      expect(await rejection(down.call({ service: tb, path: '/echo' }))).toMatchObject({ code: TransportErrorCode.Connect });
      expect(seen.map((s) => s.reason)).toEqual(['connect', 'connect']);
      seen.length = 0;
      expect(await rejection(down.call({ service: tb, method: 'POST', path: '/echo', json: {} }))).toMatchObject({ code: TransportErrorCode.Connect });
      expect(seen).toEqual([]);
    } finally {
      await down.close();
    }
  }, 60_000);

  it('gives up after the per-call timeout, and stops when the abort signal fires', async () => {
    const timedOut = await rejection(client.call({ service: tb, path: '/slow', query: { ms: 20_000 }, timeoutMs: 1_000 }));
    expect(timedOut).toBeInstanceOf(TransportError);
    expect(timedOut).toMatchObject({ code: TransportErrorCode.Timeout });

    const controller = new AbortController();
    const pending = client.call({ service: tb, path: '/slow', query: { ms: 20_000 }, signal: controller.signal });
    setTimeout(() => controller.abort(), 300);
    expect(await rejection(pending)).toMatchObject({ code: TransportErrorCode.Aborted });

    // Aborted before it starts: nothing reaches the provider.
    const key = randomUUID();
    expect(await rejection(client.call({ service: tb, path: `/flaky/${key}`, query: { failures: 0 }, signal: AbortSignal.abort() }))).toMatchObject({
      code: TransportErrorCode.Aborted,
    });
    const count = await client.call({ service: tb, path: `/calls/${key}` });
    expect(await count.json()).toEqual({ calls: 0 });

    // Aborting while the response body streams ends the stream with the same error.
    const body = new AbortController();
    const res = await client.call({ service: tb, path: '/bytes', query: { n: 30 * 1024 * 1024 }, signal: body.signal });
    let read = 0;
    const reading = (async () => {
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        read += chunk.length;
        if (read > 1024 * 1024) body.abort();
      }
    })();
    await expect(reading).rejects.toThrow();
    expect(read).toBeLessThan(30 * 1024 * 1024);

    // The client still works afterwards.
    expect((await client.call({ service: tb, path: '/echo' })).status).toBe(200);
  }, 120_000);

  it("retries a GET when the provider's security server cannot be reached, and not a POST", async () => {
    // The provider's security server, stopped (SIGSTOP), still accepts TCP connections in the kernel but
    // never completes a TLS handshake: the consumer's server gives up after transport.connectTimeoutMs (5 s)
    // and answers Server.ClientProxy.NetworkError, the one fault after which X-Road says the provider never
    // saw the request (pr-rest 4.6). First wait until the consumer's server holds no idle connection to the
    // provider's (it would send the request on it and wait for an answer instead); the provider's server
    // proxy keeps idle connections for about 72 s.
    const serverProxyPort = basePort + 21; // docs/sandbox.md: provider's server proxy = base port + 21
    const pid = net.processes['ss-provider'] as number;
    const deadline = performance.now() + 150_000;
    while (connectionsTo(serverProxyPort).size > 0 && performance.now() < deadline) await sleep(1_000);
    expect(connectionsTo(serverProxyPort).size).toBe(0);
    const seen: RetryInfo[] = [];
    process.kill(pid, 'SIGSTOP');
    try {
      // POST: the fault comes back after one attempt.
      const post = await rejection(client.call({ service: tb, method: 'POST', path: '/echo', json: { once: true }, retry: { retries: 3, onRetry: (i) => seen.push(i) } }));
      expect(post).toMatchObject({ code: 'Server.ClientProxy.NetworkError' });
      expect(seen).toEqual([]);
      // GET: retried; the provider's server is resumed when the SDK reports the retry, so the retry gets through.
      const res = await client.call({
        service: tb,
        path: '/echo/after-retry',
        retry: {
          retries: 3,
          minDelayMs: 200,
          onRetry: (info) => {
            seen.push(info);
            process.kill(pid, 'SIGCONT');
          },
        },
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ method: 'GET', path: '/echo/after-retry' });
      expect(seen.map((s) => s.reason)).toEqual(['network-error-fault']);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  }, 240_000);

  it('reuses keep-alive connections instead of connecting per call', async () => {
    const port = Number(new URL(net.consumer.clientProxyUrl).port);
    const own = createClient({ securityServer: net.consumer.clientProxyUrl, client: net.consumer.client });
    const before = connectionsTo(port);
    try {
      const opened = (known: Set<number>): Set<number> => new Set([...connectionsTo(port)].filter((p) => !known.has(p)));
      const sequential = async (pauseMs: number): Promise<void> => {
        for (let i = 0; i < 20; i += 1) {
          await (await own.call({ service: tb, path: '/echo', query: { i } })).dump();
          if (pauseMs > 0) await sleep(pauseMs);
        }
      };
      // Back to back, undici may open a second connection: it frees a connection a moment after the body
      // ends, so the next call can find it still busy. Twenty calls never need more than two.
      await sequential(0);
      const pool = opened(before);
      expect(pool.size).toBeGreaterThanOrEqual(1);
      expect(pool.size).toBeLessThanOrEqual(2);
      // With a short pause between calls (well within the server's 5 s keep-alive), no new connection at all.
      await sequential(20);
      expect(opened(new Set([...before, ...pool]))).toEqual(new Set());
      // Parallel calls open more connections, up to the pool size, and the next round reuses them.
      const round = async (): Promise<void> => {
        await Promise.all(Array.from({ length: 4 }, async () => (await own.call({ service: tb, path: '/slow', query: { ms: 300 } })).dump()));
        await sleep(100);
      };
      await round();
      const afterFirst = opened(before);
      expect(afterFirst.size).toBeGreaterThanOrEqual(4);
      await round();
      expect(opened(new Set([...before, ...afterFirst]))).toEqual(new Set());
    } finally {
      await own.close();
    }
  }, 60_000);

  it('publishes a service from an OpenAPI file with the CLI; the caller granted one endpoint sees it in allowedMethods, all in listMethods, gets the description, and is refused on the others', async () => {
    // Issue "Services and discovery" acceptance, as a provider's operator and a consumer's developer do it.
    const file = join(sandbox.dir, 'people.yaml');
    const description = [
      'openapi: 3.0.3',
      'info: { title: People, version: "1.0" }',
      `servers: [{ url: "${net.sampleServiceUrl}/testbench" }]`,
      'paths:',
      '  /echo/people:',
      '    get: { responses: { "200": { description: list } } }',
      '    post: { responses: { "201": { description: created } } }',
      '  /echo/people/{id}:',
      '    get: { responses: { "200": { description: one } } }',
      '    delete: { responses: { "204": { description: gone } } }',
      '',
    ].join('\n');
    writeFileSync(file, description);
    const keyFile = join(sandbox.dir, 'provider-admin-key');
    writeFileSync(keyFile, net.provider.adminApiKey, { mode: 0o600 });
    const colon = (id: string): string => id.split('/').join(':');
    const service = `${provider}/people`;
    const root = new URL('../..', import.meta.url).pathname;
    const cli = (...args: string[]) =>
      promisify(execFile)(process.execPath, [join(root, 'scripts/tonle.mjs'), 'security-server', ...args, '--admin-url', net.provider.adminUrl.replace(/\/api\/v1\/?$/, ''), '--api-key-file', keyFile], { cwd: root });
    await cli('services', 'add', colon(service), '--openapi', file);
    await admin(net.provider, 'POST', `/services/${colon(service)}/access-rights`, { subject: colon(net.consumer.client), endpoint: { method: 'GET', path: '/echo/people/*' } });

    const describe_ = (list: Awaited<ReturnType<XRoadClient['listMethods']>>) =>
      list.filter((d) => d.id.serviceCode === 'people').map((d) => d.endpoints.map((e) => `${e.method} ${e.path}`).sort());
    expect(describe_(await client.allowedMethods(provider))).toEqual([['GET /echo/people/*']]);
    expect(describe_(await client.listMethods(provider))).toEqual([['DELETE /echo/people/*', 'GET /echo/people', 'GET /echo/people/*', 'POST /echo/people']]);
    const got = await client.getOpenAPI(provider, 'people');
    expect(got.text).toBe(description);

    const allowed = await client.call({ service, path: '/echo/people/42' });
    expect(allowed.status).toBe(200);
    expect((await allowed.json<Echo>()).path).toBe('/echo/people/42');
    for (const [method, path] of [['GET', '/echo/people'], ['POST', '/echo/people'], ['DELETE', '/echo/people/42']] as const) {
      const refused = await rejection(client.call({ service, method, path, retry: false }));
      expect(isGatewayError(refused) && (refused as GatewayError).code).toBe('Server.ServerProxy.AccessDenied');
    }
  }, 120_000);

  it('calls over HTTPS with a registered client certificate when the client is set to SSLAUTH, and is refused without one', async () => {
    // The consumer's operator: the client proxy's internal TLS certificate for the information system to
    // trust, the information system's own certificate registered for the client, the client set to SSLAUTH.
    const id = net.consumer.client.split('/').join(':');
    const headers = { authorization: `X-Road-ApiKey token=${net.consumer.adminApiKey}` };
    const ca = await (await fetch(`${net.consumer.adminUrl}/system/certificate/export`, { headers })).text();
    expect(ca).toContain('BEGIN CERTIFICATE');
    const pair = await generateKeyPair('P-256');
    const now = Date.now();
    const der = await issueCertificate({
      publicKey: pair.publicKey, signingKey: pair.privateKey, subject: [{ type: 'CN', value: 'benefits-system' }],
      notBefore: now - 60_000, notAfter: now + 86_400_000, extendedKeyUsage: ['clientAuth'],
    });
    const cert = encodePem('CERTIFICATE', der);
    const key = exportPrivateKeyPem(pair.privateKey);
    const registered = await fetch(`${net.consumer.adminUrl}/clients/${id}/tls-certificates`, { method: 'POST', headers: { ...headers, 'content-type': 'application/x-pem-file' }, body: cert });
    expect(registered.status).toBe(201);
    await admin(net.consumer, 'PATCH', `/clients/${id}`, { isAuthentication: 'SSLAUTH' });
    const https = { securityServer: net.consumer.clientProxyHttpsUrl, client: net.consumer.client, retry: false as const };
    const withCert = createClient({ ...https, tls: { ca, cert, key, servername: 'localhost' } });
    const withoutCert = createClient({ ...https, tls: { ca, servername: 'localhost' } });
    try {
      const res = await withCert.call({ service: tb, path: '/echo/over-https' });
      expect(res.status).toBe(200);
      expect((await res.json<Echo>()).path).toBe('/echo/over-https');
      for (const refusedClient of [withoutCert, client]) {
        const refused = await rejection(refusedClient.call({ service: tb, path: '/echo', retry: false }));
        expect(isGatewayError(refused) && (refused as GatewayError).code).toBe('Server.ClientProxy.SslAuthenticationFailed');
      }
    } finally {
      await admin(net.consumer, 'PATCH', `/clients/${id}`, { isAuthentication: 'NOSSL' });
      await withCert.close();
      await withoutCert.close();
    }
  }, 120_000);
});
