// Issue "Services and discovery" acceptance: a 1 GiB body goes through the sandbox's two security servers
// and back, each security server's peak RSS (VmHWM) stays under 256 MiB, and no spooled file is left.
// The sandbox runs every component as its own process, as `npm start` does.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peakRss, startSandbox, type RunningSandbox } from './support/sandbox.ts';
import { digestOf, randomBody, testbenchDigest } from './support/streams.ts';

// 25000-26970: disjoint from the other sandbox tests' ranges and from the default sandbox (27100).
const basePort = 25_000 + Math.floor(Math.random() * 66) * 30;
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const RSS_LIMIT = 256 * MiB;

/** Every `spool` directory under the sandbox's folder (one per security server: `<data>/spool`). */
function spoolDirs(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (!statSync(path).isDirectory()) continue;
      if (name === 'spool') found.push(path);
      else if (depth < 4) walk(path, depth + 1);
    }
  };
  walk(root, 0);
  return found;
}

describe('a 1 GiB body through both security servers and back', () => {
  let sandbox: RunningSandbox;
  let url: string;
  const servers: Record<string, number> = {};

  beforeAll(async () => {
    sandbox = await startSandbox(basePort);
    const tb = sandbox.network.provider.testbenchService;
    url = `${sandbox.network.consumer.clientProxyUrl}/r1/${tb}`;
    for (const name of ['ss-consumer', 'ss-provider']) servers[name] = sandbox.network.processes[name] as number;
  }, 300_000);

  afterAll(() => sandbox?.destroy());

  async function spoolsEmpty(): Promise<void> {
    const dirs = spoolDirs(sandbox.dir);
    expect(dirs.length).toBe(2);
    const held = () => dirs.flatMap((d) => readdirSync(d));
    // Each server removes its files when its side of the exchange has closed, just after the client's answer.
    for (let i = 0; i < 100 && held().length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(held()).toEqual([]);
  }

  function rssUnderLimit(label: string): void {
    for (const [name, pid] of Object.entries(servers)) {
      const peak = peakRss(pid);
      expect(peak, `no /proc/${pid}/status for ${name}`).toBeDefined();
      console.info(`[1 GiB] ${label}: ${name} peak RSS ${((peak ?? 0) / MiB).toFixed(1)} MiB`);
      expect(peak, `${name}'s peak RSS`).toBeLessThan(RSS_LIMIT);
    }
  }

  it('1 GiB up: the provider receives every byte', async () => {
    const { stream, digest } = randomBody(GiB, 256 * 1024);
    const res = await request(`${url}/echo/large`, {
      method: 'PUT',
      headers: { 'x-road-client': sandbox.network.consumer.client, 'content-type': 'application/octet-stream', 'content-length': String(GiB) },
      body: stream,
      headersTimeout: 600_000,
      bodyTimeout: 600_000,
    });
    const answer = (await res.body.json()) as { body?: { length: number; sha256: string } };
    expect(res.statusCode).toBe(200);
    expect(answer.body).toEqual({ length: GiB, sha256: digest() });
    rssUnderLimit('up');
    await spoolsEmpty();
  }, 900_000);

  it('1 GiB down: the consumer receives every byte the provider generated', async () => {
    const res = await request(`${url}/bytes?n=${GiB}`, {
      headers: { 'x-road-client': sandbox.network.consumer.client },
      headersTimeout: 600_000,
      bodyTimeout: 600_000,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-length']).toBe(String(GiB));
    expect(await digestOf(res.body)).toEqual(testbenchDigest(GiB));
    rssUnderLimit('down');
    await spoolsEmpty();
  }, 900_000);
});
