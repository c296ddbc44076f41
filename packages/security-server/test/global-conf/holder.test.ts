import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeId, globalGroupId, memberId, securityServerId, subsystemId } from '@tonle/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGlobalConfHolder, type Timers } from '../../src/global-conf/index.ts';
import { anchorFor, confSigningKey, createTestPki, documentFor, mutableClock, signGlobalConfiguration, T0, type TestPki } from './fixtures.ts';

/** A registry stand-in on a real socket: serves whatever `body`/`status` say. */
let server: Server;
let source: string;
let status = 200;
let body = '';
let requests = 0;
let key: Awaited<ReturnType<typeof confSigningKey>>;
let pki: TestPki;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tonle-gconf-'));
  server = createServer((_req, res) => {
    requests++;
    res.writeHead(status, { 'content-type': 'application/jose' }).end(status === 200 ? body : 'unavailable');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  source = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}/globalconf`;
  key = await confSigningKey();
  pki = await createTestPki('http://127.0.0.1:1/ocsp');
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await rm(dir, { recursive: true, force: true });
});

async function publish(version: number, generatedAt: number, extra: { maintenance?: boolean } = {}) {
  body = await signGlobalConfiguration(documentFor({ source, key: key.verification, version, generatedAt, pki, ...extra }), key.signing);
  status = 200;
}

function manualTimers() {
  const scheduled: { fn: () => void; ms: number }[] = [];
  const timers: Timers = {
    setTimeout: (fn, ms) => {
      scheduled.push({ fn, ms });
      return scheduled.length;
    },
    clearTimeout: () => undefined,
  };
  return { timers, scheduled };
}

const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

describe('global configuration holder', () => {
  it('downloads, answers the read model, fails closed on expiry and recovers by itself', async () => {
    const clock = mutableClock(T0 + 1000);
    await publish(1, T0);
    const { timers, scheduled } = manualTimers();
    const holder = createGlobalConfHolder({ anchor: anchorFor(source, key.verification), clock, timers });
    expect(codeOf(() => holder.current('client'))).toBe('Server.ClientProxy.OutdatedGlobalConf');
    await holder.start();
    expect(scheduled.at(-1)?.ms).toBe(60_000);
    const view = holder.current('client');
    expect(view.version).toBe(1);
    const sub = subsystemId('TEST', 'GOV', '123', 'sub');
    expect(view.serversHosting(sub).map((s) => s.id.serverCode).sort()).toEqual(['ss1', 'ss2']);
    expect(view.serverByAuthCertHash('B'.repeat(64))?.id).toEqual(securityServerId('TEST', 'COM', '456', 'ss2'));
    expect(view.serverByAuthCertHash('c'.repeat(64))).toBeUndefined();
    expect(view.serversWithAuthCert('a'.repeat(64)).map((s) => s.address)).toEqual(['ss1.example.org']);
    expect(view.serversWithAuthCert('c'.repeat(64))).toEqual([]);
    expect(view.isClientOf(securityServerId('TEST', 'COM', '456', 'ss2'), sub)).toBe(true);
    expect(view.isClientOf(securityServerId('TEST', 'GOV', '123', 'ss1'), subsystemId('TEST', 'COM', '456', 'app'))).toBe(false);
    expect(view.isInMaintenance(securityServerId('TEST', 'GOV', '123', 'ss1'))).toBe(false);
    expect(view.isMemberOf(memberId('TEST', 'GOV', '123'), globalGroupId('TEST', 'security-server-owners'))).toBe(true);
    expect(view.isMemberOf(sub, globalGroupId('TEST', 'security-server-owners'))).toBe(false);
    expect(view.isMemberOf(memberId('TEST', 'GOV', '123'), globalGroupId('OTHER', 'security-server-owners'))).toBe(false);
    expect(view.memberExists(memberId('TEST', 'COM', '456'))).toBe(true);
    expect(view.subsystemExists(subsystemId('TEST', 'COM', '456', 'nope'))).toBe(false);
    expect(view.clientExists(sub)).toBe(true);
    // listClients' source: each member, then its subsystems under the member's name, in configuration order.
    expect(view.clients().map((c) => [describeId(c.id), c.name, c.subsystemName])).toEqual([
      [describeId(memberId('TEST', 'GOV', '123')), 'Ministry', undefined],
      [describeId(sub), 'Ministry', undefined],
      [describeId(memberId('TEST', 'COM', '456')), 'Company', undefined],
      [describeId(subsystemId('TEST', 'COM', '456', 'app')), 'Company', undefined],
    ]);
    expect(view.ocspFreshnessSeconds).toBe(3600);
    expect(view.approvedTsas()[0]?.url).toBe('http://127.0.0.1:1/tsa');
    expect(view.findIssuer(pki.signCert)?.ca.name).toBe('Tonle Test CA');
    expect(view.findIssuer(pki.foreignCert)).toBeUndefined();
    expect(view.findIssuer(new Uint8Array([1, 2, 3]))).toBeUndefined();

    // Registry down, configuration expires: both sides refuse with their own fault.
    status = 503;
    clock.advance(700_000);
    expect(codeOf(() => holder.current('client'))).toBe('Server.ClientProxy.OutdatedGlobalConf');
    expect(codeOf(() => holder.current('server'))).toBe('Server.ServerProxy.OutdatedGlobalConf');
    expect(holder.status()).toMatchObject({ state: 'expired', version: 1 });
    expect(holder.lastGood()?.version).toBe(1);

    // The scheduled polls fail and back off exponentially, capped.
    for (let i = 0; i < 8; i++) {
      const next = scheduled.at(-1);
      if (next === undefined) throw new Error('nothing scheduled');
      const before = scheduled.length;
      next.fn();
      await expect.poll(() => scheduled.length, { timeout: 10_000 }).toBeGreaterThan(before);
    }
    expect(scheduled.slice(1).map((s) => s.ms)).toEqual([5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
    expect(holder.status()).toMatchObject({ consecutiveFailures: 8, lastErrorCode: 'TONLE_ERR_GCONF_DOWNLOAD_FAILED' });

    // A fresh configuration appears: the next poll recovers without any restart.
    await publish(2, clock.now() - 1000, { maintenance: true });
    const before = scheduled.length;
    scheduled.at(-1)?.fn();
    await expect.poll(() => scheduled.length, { timeout: 10_000 }).toBeGreaterThan(before);
    expect(scheduled.at(-1)?.ms).toBe(60_000);
    expect(holder.current('server').version).toBe(2);
    expect(holder.current('client').isInMaintenance(securityServerId('TEST', 'GOV', '123', 'ss1'))).toBe(true);
    expect(holder.status()).toMatchObject({ state: 'valid', consecutiveFailures: 0 });
    holder.stop();
  });

  it('serves from the disk cache after a restart while the registry is down, and ignores a corrupt cache', async () => {
    const clock = mutableClock(T0 + 1000);
    await publish(1, T0);
    const cacheFile = join(dir, 'globalconf.json');
    const first = createGlobalConfHolder({ anchor: anchorFor(source, key.verification), clock, cacheFile, timers: manualTimers().timers });
    await first.start();
    first.stop();
    status = 503;
    const second = createGlobalConfHolder({ anchor: anchorFor(source, key.verification), clock, cacheFile, timers: manualTimers().timers });
    await second.start();
    expect(second.current('client').version).toBe(1);
    await expect(second.refreshNow()).rejects.toMatchObject({ code: 'TONLE_ERR_GCONF_DOWNLOAD_FAILED' });
    expect(second.current('client').version).toBe(1);
    second.stop();

    await writeFile(cacheFile, '{"jws": 42');
    const warnings: unknown[] = [];
    const third = createGlobalConfHolder({
      anchor: anchorFor(source, key.verification),
      clock,
      cacheFile,
      timers: manualTimers().timers,
      log: { info: () => undefined, warn: (o) => warnings.push(o) },
    });
    await third.start();
    expect(third.status().state).toBe('unavailable');
    expect(warnings.length).toBeGreaterThan(0);
    third.stop();
  });

  it('shares one download between concurrent refreshes', async () => {
    const clock = mutableClock(T0 + 1000);
    await publish(1, T0);
    const holder = createGlobalConfHolder({ anchor: anchorFor(source, key.verification), clock, timers: manualTimers().timers });
    const before = requests;
    const results = await Promise.all([holder.refreshNow(), holder.refreshNow(), holder.refreshNow()]);
    expect(requests).toBe(before + 1);
    expect(results.every((r) => r.configuration.document.version === 1)).toBe(true);
  });

  it('refuses a tampered configuration and keeps the last good one', async () => {
    const clock = mutableClock(T0 + 1000);
    await publish(1, T0);
    const holder = createGlobalConfHolder({ anchor: anchorFor(source, key.verification), clock, timers: manualTimers().timers });
    await holder.start();
    const [h, p, s] = body.split('.') as [string, string, string];
    body = `${h}.${p}.${s.startsWith('A') ? `B${s.slice(1)}` : `A${s.slice(1)}`}`;
    const before = requests;
    await expect(holder.refreshNow()).rejects.toMatchObject({ code: 'TONLE_ERR_GCONF_DOWNLOAD_FAILED' });
    expect(requests).toBeGreaterThan(before);
    expect(holder.current('client').version).toBe(1);
    holder.stop();
  });
});
