import { createServer } from 'node:net';
import { Readable } from 'node:stream';
import { GatewayFault, type FaultCode } from '@tonle/protocol';
import { createClient, isGatewayError, isTransportError, type RetryInfo, type XRoadClient } from '@tonle/client-sdk';
import { createMockSecurityServer, type MockSecurityServer } from '@tonle/client-sdk/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const CLIENT = 'EE/GOV/70000002/benefits';
const PROVIDER = 'EE/GOV/70000001/population';

let ss: MockSecurityServer;
let client: XRoadClient;
let attempts = 0;
let retries: RetryInfo[] = [];
/** How many attempts fail before one succeeds, and how. */
let plan: { failures: number; with: FaultCode | 503 } = { failures: 0, with: 503 };

beforeAll(async () => {
  ss = await createMockSecurityServer({
    services: {
      [`${PROVIDER}/flaky`]: async (req) => {
        await req.bytes();
        attempts += 1;
        if (attempts <= plan.failures) {
          if (plan.with === 503) return { status: 503, headers: { 'retry-after': '0' }, body: 'busy' };
          throw new GatewayFault(plan.with);
        }
        return { json: { attempts } };
      },
    },
  });
  client = createClient({
    securityServer: ss.url,
    client: CLIENT,
    retry: { retries: 3, minDelayMs: 1, maxDelayMs: 10, onRetry: (info) => retries.push(info) },
  });
});

afterAll(async () => {
  await client.close();
  await ss.close();
});

beforeEach(() => {
  attempts = 0;
  retries = [];
});

async function outcome(method: string, body?: string | Readable): Promise<unknown> {
  try {
    const res = await client.call({ service: `${PROVIDER}/flaky`, method, ...(body === undefined ? {} : { body }) });
    return { status: res.status, body: await res.text() };
  } catch (error) {
    return error;
  }
}

describe('retries', () => {
  it.each(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'])('retries %s after Server.ClientProxy.NetworkError', async (method) => {
    plan = { failures: 2, with: 'Server.ClientProxy.NetworkError' };
    const result = (await outcome(method)) as { status: number };
    expect(result.status).toBe(200);
    expect(attempts).toBe(3);
    expect(retries.map((r) => r.reason)).toEqual(['network-error-fault', 'network-error-fault']);
  });

  it('retries a GET after 503s and honours Retry-After', async () => {
    plan = { failures: 1, with: 503 };
    expect(await outcome('GET')).toMatchObject({ status: 200 });
    expect(attempts).toBe(2);
    expect(retries).toEqual([{ attempt: 1, delayMs: 0, reason: '503' }]);
  });

  it('gives up after the configured count and returns the last answer', async () => {
    plan = { failures: 10, with: 'Server.ClientProxy.NetworkError' };
    const error = await outcome('GET');
    expect(isGatewayError(error) && error.code).toBe('Server.ClientProxy.NetworkError');
    expect(attempts).toBe(4);
    plan = { failures: 10, with: 503 };
    attempts = 0;
    expect(await outcome('GET')).toMatchObject({ status: 503, body: 'busy' });
    expect(attempts).toBe(4);
  });

  it.each(['POST', 'PATCH'])('never retries %s', async (method) => {
    plan = { failures: 1, with: 'Server.ClientProxy.NetworkError' };
    const error = await outcome(method, 'payload');
    expect(isGatewayError(error) && error.code).toBe('Server.ClientProxy.NetworkError');
    expect(attempts).toBe(1);
    plan = { failures: 1, with: 503 };
    attempts = 0;
    expect(await outcome(method, 'payload')).toMatchObject({ status: 503 });
    expect(attempts).toBe(1);
    expect(retries).toEqual([]);
  });

  it.each([
    'Server.ServerProxy.ServiceFailed',
    'Server.ServerProxy.NetworkError',
    'Server.ClientProxy.Timeout',
    'Server.ServerProxy.AccessDenied',
  ] as const)('never retries %s: the provider may have acted, or retrying cannot help', async (code) => {
    plan = { failures: 1, with: code };
    const error = await outcome('GET');
    expect(isGatewayError(error) && error.code).toBe(code);
    expect(attempts).toBe(1);
  });

  it('never retries a streamed body, which cannot be replayed', async () => {
    plan = { failures: 1, with: 503 };
    expect(await outcome('PUT', Readable.from([Buffer.from('once')]))).toMatchObject({ status: 503 });
    expect(attempts).toBe(1);
  });

  it('can be turned off per call', async () => {
    plan = { failures: 1, with: 503 };
    const res = await client.call({ service: `${PROVIDER}/flaky`, retry: false });
    expect(res.status).toBe(503);
    await res.dump();
    expect(attempts).toBe(1);
  });
});

describe('retries of connection failures', () => {
  let closedPort: number;
  beforeAll(async () => {
    // A port that was just free: connecting to it is refused, so the request is never sent.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
  });

  it('retries idempotent calls whose connection was refused, then reports TONLE_ERR_SDK_CONNECT', async () => {
    const seen: RetryInfo[] = [];
    const c = createClient({
      securityServer: `http://127.0.0.1:${closedPort}`,
      client: CLIENT,
      retry: { retries: 2, minDelayMs: 1, onRetry: (i) => seen.push(i) },
    });
    try {
      const error = await c.call({ service: `${PROVIDER}/flaky` }).catch((e: unknown) => e);
      expect(isTransportError(error) && error.code).toBe('TONLE_ERR_SDK_CONNECT');
      expect(seen.map((s) => s.reason)).toEqual(['connect', 'connect']);
      seen.length = 0;
      const post = await c.call({ service: `${PROVIDER}/flaky`, json: {} }).catch((e: unknown) => e);
      expect(isTransportError(post) && post.code).toBe('TONLE_ERR_SDK_CONNECT');
      expect(seen).toEqual([]);
    } finally {
      await c.close();
    }
  });
});
