import { setTimeout as delay } from 'node:timers/promises';
import { createClient, isTransportError, type XRoadClient } from '@tonle/client-sdk';
import { createMockSecurityServer, type MockSecurityServer } from '@tonle/client-sdk/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLIENT = 'EE/GOV/70000002/benefits';
const PROVIDER = 'EE/GOV/70000001/population';

let ss: MockSecurityServer;
let client: XRoadClient;

beforeAll(async () => {
  ss = await createMockSecurityServer({
    services: {
      [`${PROVIDER}/slow`]: async () => {
        await delay(5_000);
        return { body: 'late' };
      },
      [`${PROVIDER}/trickle`]: async () => ({
        body: (async function* () {
          yield Buffer.from('first ');
          await delay(5_000);
          yield Buffer.from('never');
        })(),
      }),
      [`${PROVIDER}/fast`]: () => ({ body: 'fast' }),
    },
  });
  client = createClient({ securityServer: ss.url, client: CLIENT, retry: false });
});

afterAll(async () => {
  await client.close();
  await ss.close();
});

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

describe('timeouts', () => {
  it('rejects with TONLE_ERR_SDK_TIMEOUT when no answer comes within timeoutMs', async () => {
    const e = await failure(client.call({ service: `${PROVIDER}/slow`, timeoutMs: 200 }));
    expect(isTransportError(e) && e.code).toBe('TONLE_ERR_SDK_TIMEOUT');
  });

  it('bounds the silence between body chunks too', async () => {
    const res = await client.call({ service: `${PROVIDER}/trickle`, timeoutMs: 2_000 });
    const e = await failure(res.text());
    expect(isTransportError(e) && e.code).toBe('TONLE_ERR_SDK_TIMEOUT');
  });

  it('uses the client default and lets a call override it', async () => {
    const strict = createClient({ securityServer: ss.url, client: CLIENT, timeoutMs: 150, retry: false });
    try {
      const e = await failure(strict.call({ service: `${PROVIDER}/slow` }));
      expect(isTransportError(e) && e.code).toBe('TONLE_ERR_SDK_TIMEOUT');
      expect(await (await strict.call({ service: `${PROVIDER}/fast`, timeoutMs: 0 })).text()).toBe('fast');
    } finally {
      await strict.close();
    }
  });
});

describe('abort', () => {
  it('rejects with TONLE_ERR_SDK_ABORTED when the signal fires while waiting', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const e = await failure(client.call({ service: `${PROVIDER}/slow`, signal: controller.signal }));
    expect(isTransportError(e) && e.code).toBe('TONLE_ERR_SDK_ABORTED');
  });

  it('rejects at once for a signal that already fired', async () => {
    const e = await failure(client.call({ service: `${PROVIDER}/fast`, signal: AbortSignal.abort() }));
    expect(isTransportError(e) && e.code).toBe('TONLE_ERR_SDK_ABORTED');
  });

  it('aborts a body being streamed', async () => {
    const controller = new AbortController();
    const res = await client.call({ service: `${PROVIDER}/trickle`, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const e = await failure(res.text());
    expect(isTransportError(e) && e.code).toBe('TONLE_ERR_SDK_ABORTED');
  });

  it('interrupts a retry backoff', async () => {
    const down = createClient({
      securityServer: 'http://127.0.0.1:9',
      client: CLIENT,
      retry: { retries: 5, minDelayMs: 10_000, maxDelayMs: 10_000 },
    });
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 200);
      const e = await failure(down.call({ service: `${PROVIDER}/fast`, signal: controller.signal }));
      expect(isTransportError(e) && e.code).toBe('TONLE_ERR_SDK_ABORTED');
    } finally {
      await down.close();
    }
  });

  it('the client still works after timeouts and aborts', async () => {
    expect(await (await client.call({ service: `${PROVIDER}/fast` })).text()).toBe('fast');
  });
});
