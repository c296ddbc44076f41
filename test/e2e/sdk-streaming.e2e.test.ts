// Issue "Client SDK" acceptance, streaming: 100 MiB up and 100 MiB down through the sandbox's two security
// servers with @tonle/client-sdk, digests checked end to end, memory measured in the test process (the SDK's
// side, sampled) and in both security servers (their peak RSS, VmHWM from /proc).
//
// This needs the security servers to stream bodies (the exchange rewrite in progress on main). Security
// servers that buffer messages (clientProxy.maxBodyBytes and the provider client's response limit, 32 MiB by
// default) fail it fast: Client.RequestTooLarge up, Server.ServerProxy.ServiceFailed down.
import { randomBytes } from 'node:crypto';
import { createClient, type XRoadClient } from '@tonle/client-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleRss } from './support/memory.ts';
import { peakRss, startSandbox, type RunningSandbox } from './support/sandbox.ts';
import { digestOf, randomBody, testbenchDigest } from './support/streams.ts';

// 28000-30970: disjoint from sandbox.e2e (10000-24970), sdk.e2e (4000-9970) and the default sandbox (27100).
const basePort = 28_000 + Math.floor(Math.random() * 100) * 30;
const MiB = 1024 * 1024;
const SIZE = 100 * MiB;
/** What the test process may grow by while 100 MiB pass through it: a few chunks in flight, not the body. */
const SDK_BOUND = 32 * MiB;
/** What a streaming security server may grow by: its buffers and signing state, not the body. */
const SERVER_BOUND = 48 * MiB;

function mib(bytes: number): string {
  return `${(bytes / MiB).toFixed(1)} MiB`;
}

describe('the client SDK streams 100 MiB through the sandbox with bounded memory', () => {
  let sandbox: RunningSandbox;
  let client: XRoadClient;
  let tb: string;
  const servers: Record<string, number> = {};

  beforeAll(async () => {
    sandbox = await startSandbox(basePort);
    tb = sandbox.network.provider.testbenchService;
    for (const name of ['ss-consumer', 'ss-provider']) servers[name] = sandbox.network.processes[name] as number;
    client = createClient({ securityServer: sandbox.network.consumer.clientProxyUrl, client: sandbox.network.consumer.client, timeoutMs: 120_000 });
    // Warm up: connections, signing keys, OCSP responses; so the peaks below are the bodies' doing.
    await (await client.call({ service: tb, path: '/echo', body: randomBytes(MiB) })).dump();
  }, 300_000);

  afterAll(async () => {
    await client?.close();
    sandbox?.destroy();
  });

  /** Runs `work` and checks the memory of the test process and of both security servers around it. */
  async function bounded<T>(label: string, work: () => Promise<T>): Promise<T> {
    const before = Object.fromEntries(Object.entries(servers).map(([name, pid]) => [name, peakRss(pid)]));
    const { result, baseline, peak } = await sampleRss(work);
    console.info(`[sdk streaming] ${label}: test process RSS ${mib(baseline)} -> peak ${mib(peak)}`);
    expect(peak - baseline, `${label}: the SDK side grew by ${mib(peak - baseline)}`).toBeLessThan(SDK_BOUND);
    for (const [name, pid] of Object.entries(servers)) {
      const after = peakRss(pid);
      const start = before[name];
      if (after === undefined || start === undefined) continue; // no /proc on this system
      console.info(`[sdk streaming] ${label}: ${name} peak RSS ${mib(start)} -> ${mib(after)}`);
      expect(after - start, `${label}: ${name}'s peak RSS grew by ${mib(after - start)}`).toBeLessThan(SERVER_BOUND);
    }
    return result;
  }

  it('sends a 100 MiB request body as a stream; the provider receives every byte', async () => {
    const { stream: body, digest } = randomBody(SIZE, 256 * 1024);
    const echo = await bounded('100 MiB up', async () => {
      const res = await client.call({ service: tb, method: 'PUT', path: '/echo/upload', body });
      expect(res.status).toBe(200);
      return res.json<{ body: { length: number; sha256: string } }>();
    });
    expect(echo.body).toEqual({ length: SIZE, sha256: digest() });
  }, 600_000);

  it('receives a 100 MiB response body as a stream, every byte as the provider generated it', async () => {
    const got = await bounded('100 MiB down', async () => {
      const res = await client.call({ service: tb, path: '/bytes', query: { n: SIZE } });
      expect(res.status).toBe(200);
      return digestOf(res.body);
    });
    expect(got).toEqual(testbenchDigest(SIZE));
  }, 600_000);

  it('stops a 100 MiB download when its signal fires, and the client goes on working', async () => {
    const controller = new AbortController();
    const res = await client.call({ service: tb, path: '/bytes', query: { n: SIZE }, signal: controller.signal });
    let read = 0;
    const error = await (async () => {
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        read += chunk.length;
        if (read >= 5 * MiB) controller.abort();
      }
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    // Iterating res.body directly gives undici's abort error; the read-whole helpers map it to TransportError.
    expect(error).toBeInstanceOf(Error);
    expect(read).toBeLessThan(SIZE);
    expect((await client.call({ service: tb, path: '/echo' })).status).toBe(200);
  }, 300_000);
});
