// Issue "Sandbox": start the sandbox as a user would (`node scripts/tonle.mjs sandbox`, which is what
// `npm start` runs), read network.json, call through both security servers (plain HTTP and the client
// SDK), stop it with SIGTERM and check that no process it started is left.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createClient } from '@tonle/client-sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox, type SandboxNetwork } from './support/sandbox.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
// Away from the default ports (so a developer's own sandbox can keep running) and below the ephemeral
// range 32768-60999, where other tests' port-0 listeners and outgoing connections take their ports.
const basePort = 10_000 + Math.floor(Math.random() * 500) * 30;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('tonle sandbox', () => {
  let sandbox: RunningSandbox | undefined;
  let network: SandboxNetwork | undefined;
  let output = '';
  let dir = '';

  afterAll(() => sandbox?.destroy());

  it('comes up, sends a first request and prints what to try next', async () => {
    sandbox = await startSandbox(basePort);
    network = sandbox.network;
    dir = sandbox.dir;
    output = sandbox.output();
    expect(output, output).toContain('Tonle sandbox is ready');
    expect(output).toMatch(/X-Road-Id {10}KH-[0-9a-f-]{36}/);
    expect(output).toContain("curl -H 'X-Road-Client: KH/GOV/70000001/benefits'");
    expect(output).toContain('audit verify');
    expect(network.instance).toBe('KH');
    for (const file of [network.trust.caCertFile, network.trust.tsaCertFile, network.registry.anchorFile]) expect(existsSync(file)).toBe(true);
  }, 300_000);

  it('answers through both security servers, over plain HTTP and the client SDK', async () => {
    if (network === undefined) throw new Error('the sandbox did not start');
    const url = `${network.consumer.clientProxyUrl}/r1/${network.provider.service}${network.provider.samplePath}`;
    const response = await fetch(url, { headers: { 'X-Road-Client': network.consumer.client } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-road-service')).toBe(network.provider.service);
    expect(response.headers.get('x-road-request-hash')).toMatch(/^[A-Za-z0-9+/]{86}==$/);
    expect(await response.json()).toMatchObject({ personalCode: '38001010014', requestedBy: network.consumer.client });

    const client = createClient({ securityServer: network.consumer.clientProxyUrl, client: network.consumer.client });
    try {
      const res = await client.call({ service: network.provider.service, path: '', query: { familyName: 'Tamm' } });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual([expect.objectContaining({ familyName: 'Tamm' })]);
      expect(res.xroad.id).toMatch(/^KH-/);
    } finally {
      await client.close();
    }

    // A caller that is not registered on the consumer's server is told to use its own security server.
    const stranger = await fetch(url, { headers: { 'X-Road-Client': 'KH/GOV/70000002/population' } });
    expect(stranger.status).toBe(500);
    expect(stranger.headers.get('x-road-error')).toBe('Server.ClientProxy.UnknownMember');
  }, 60_000);

  it('counts the traffic in /metrics and keeps operational monitoring records', async () => {
    if (network === undefined) throw new Error('the sandbox did not start');
    const metrics = await (await fetch(`${network.consumer.monitoringUrl}/metrics`)).text();
    const line = metrics.split('\n').find((l) => l.startsWith('tonle_requests_total{') && l.includes('side="client"') && l.includes(`client="${network?.consumer.client}"`) && l.includes('fault_code=""'));
    expect(line, metrics.slice(0, 2000)).toBeDefined();
    expect(Number(line?.split(' ').at(-1))).toBeGreaterThanOrEqual(3);
    expect(metrics).toMatch(/tonle_requests_total\{[^}]*fault_code="Server.ClientProxy.UnknownMember"[^}]*\} 1/);
    // Signing batches and message-log group commits are measured too.
    expect(Number(/^tonle_signing_batch_size_count (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(3);
    expect(Number(/^tonle_message_log_commit_seconds_count (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(3);

    const now = Math.floor(Date.now() / 1000);
    const response = await fetch(`${network.consumer.adminUrl}/diagnostics/operational-monitoring?recordsFrom=${now - 600}&recordsTo=${now + 60}`, {
      headers: { authorization: `X-Road-ApiKey token=${network.consumer.adminApiKey}` },
    });
    expect(response.status).toBe(200);
    const page = (await response.json()) as { records: { securityServerType: string; serviceCode?: string; succeeded: boolean; messageId?: string }[] };
    const ours = page.records.filter((r) => r.securityServerType === 'Client' && r.serviceCode === 'persons');
    expect(ours.length).toBeGreaterThanOrEqual(3);
    expect(ours.some((r) => r.succeeded && r.messageId?.startsWith('KH-'))).toBe(true);
  }, 60_000);

  it("tests the connection to the provider's security server over mutual TLS", async () => {
    if (network === undefined) throw new Error('the sandbox did not start');
    const headers = { authorization: `X-Road-ApiKey token=${network.consumer.adminApiKey}` };
    const test = async (server: string) => (await fetch(`${network?.consumer.adminUrl}/diagnostics/connection-test/${server}`, { headers })).json();
    expect(await test('KH:GOV:70000002:ss-population')).toMatchObject({ reachable: true, authenticated: true });
    expect(await test('KH:GOV:70000002:no-such-server')).toMatchObject({ reachable: false, error: 'NOT_IN_GLOBAL_CONFIGURATION' });
  }, 30_000);

  it("exports the first message's evidence to an auditor, and the bundle verifies offline", async () => {
    if (network === undefined) throw new Error('the sandbox did not start');
    const firstId = /X-Road-Id {10}(\S+)/.exec(output)?.[1] as string;
    const url = `${network.consumer.adminUrl}/message-log/evidence/${encodeURIComponent(firstId)}`;
    const headers = { authorization: `X-Road-ApiKey token=${network.consumer.adminApiKey}` };
    let response = await fetch(url, { headers });
    // 404 until a time-stamped checkpoint covers the message (every 5 s in the sandbox).
    const deadline = performance.now() + 40_000;
    while (response.status === 404 && performance.now() < deadline) {
      await sleep(1_000);
      response = await fetch(url, { headers });
    }
    expect(response.status).toBe(200);
    const bundleFile = join(dir, 'first-message.evidence.json');
    writeFileSync(bundleFile, await response.text());
    const verify = spawnSync(process.execPath, [join(root, 'scripts/tonle.mjs'), 'audit', 'verify-bundle', bundleFile, '--anchors', network.trust.anchorsDir, '--json'], { encoding: 'utf8' });
    expect(verify.status, `${verify.stdout}${verify.stderr}`).toBe(0);
    // The request and the response are each bound to what was signed: header part and body digests.
    const report = JSON.parse(verify.stdout) as { ok: boolean; records: { kind: string; content: string; ocsp?: string }[] };
    expect(report.ok).toBe(true);
    expect(report.records.map((r) => r.kind).sort()).toEqual(['request', 'response']);
    expect(report.records.every((r) => r.content === 'bound'), verify.stdout).toBe(true);
    expect((await fetch(`${network.consumer.adminUrl}/message-log/evidence/KH-no-such-message`, { headers })).status).toBe(404);
  }, 90_000);

  it('stops every process it started on SIGTERM', async () => {
    if (network === undefined) throw new Error('the sandbox did not start');
    expect(network.pids.length).toBeGreaterThanOrEqual(6);
    expect(network.pids.every(alive)).toBe(true);
    expect(await sandbox?.terminate()).toBe(0);
    const deadline = performance.now() + 20_000;
    while (network.pids.some(alive) && performance.now() < deadline) await sleep(200);
    expect(network.pids.filter(alive)).toEqual([]);
  }, 60_000);
});
