import { appendFile, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOperationalMonitoringStore, type OperationalRecordInput } from '../../src/opmonitoring/index.ts';

let dir: string;
let now: number;
const clock = { now: () => now };
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tonle-opmon-'));
  now = Date.parse('2027-03-01T23:59:50Z');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const rec = (i: number, client = '1234'): OperationalRecordInput => ({
  securityServerType: i % 2 === 0 ? 'Client' : 'Producer',
  succeeded: i % 3 !== 0,
  clientXRoadInstance: 'EE',
  clientMemberClass: 'GOV',
  clientMemberCode: client,
  clientSubsystemCode: 'app',
  serviceXRoadInstance: 'EE',
  serviceMemberClass: 'GOV',
  serviceMemberCode: '5678',
  serviceSubsystemCode: 'db',
  serviceCode: 'getPerson',
  restMethod: 'GET',
  restPath: `/people/${i}`,
  messageId: `id-${i}`,
  requestInTs: now,
  responseOutTs: now + 5,
  statusCode: 200,
  ...(i % 3 === 0 ? { faultCode: 'Server.ServerProxy.ServiceFailed' } : {}),
});

describe('operational monitoring store', () => {
  it('stores X-Road records, queries by time range across days, pages without gaps or duplicates, and survives a restart', async () => {
    const store = await createOperationalMonitoringStore({ directory: dir, clock });
    for (let i = 0; i < 25; i++) {
      store.store(rec(i, i < 20 ? '1234' : '9999'));
      now += 1000; // crosses midnight after 10 records
    }
    await store.flush();
    expect((await readdir(dir)).sort()).toEqual(['opmon-20270301.jsonl', 'opmon-20270302.jsonl']);
    const from = Math.floor(Date.parse('2027-03-01T00:00:00Z') / 1000);
    const to = Math.floor(Date.parse('2027-03-03T00:00:00Z') / 1000);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.query({ recordsFrom: from, recordsTo: to, limit: 7, ...(cursor === undefined ? {} : { cursor }) });
      seen.push(...page.records.map((r) => r.messageId!));
      cursor = page.nextCursor;
      if (cursor !== undefined) expect(page.nextRecordsFrom).toBeGreaterThanOrEqual(page.records[page.records.length - 1]!.monitoringDataTs);
      pages++;
    } while (cursor !== undefined);
    expect(pages).toBe(4);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `id-${i}`));

    const window = await store.query({ recordsFrom: Math.floor(Date.parse('2027-03-02T00:00:00Z') / 1000), recordsTo: to });
    expect(window.records.map((r) => r.messageId)).toEqual(Array.from({ length: 15 }, (_, i) => `id-${i + 10}`));
    const byClient = await store.query({ recordsFrom: from, recordsTo: to, client: { instance: 'EE', memberClass: 'GOV', memberCode: '9999' } });
    expect(byClient.records).toHaveLength(5);
    expect(byClient.records[0]).toMatchObject({ securityServerType: 'Client', succeeded: true, restPath: '/people/20' });
    expect(byClient.records[0]).not.toHaveProperty('faultCode');

    // A torn line after a crash is skipped; ids continue after a restart.
    await appendFile(join(dir, 'opmon-20270302.jsonl'), '{"id": 99, "monitoringDa');
    const reopened = await createOperationalMonitoringStore({ directory: dir, clock });
    reopened.store(rec(100));
    await reopened.flush();
    const all = await reopened.query({ recordsFrom: from, recordsTo: to, limit: 10_000 });
    expect(all.records).toHaveLength(26);
    expect(all.records[25]!.id).toBe(26);
  });

  it('refuses invalid records and queries with codes', async () => {
    const store = await createOperationalMonitoringStore({ directory: dir, clock });
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return (e as { code?: string }).code;
      }
      return undefined;
    };
    expect(code(() => store.store({ securityServerType: 'X', succeeded: true } as never))).toBe('TONLE_ERR_OPMON_INVALID_RECORD');
    expect(code(() => store.store({ ...rec(1), extra: 1 } as never))).toBe('TONLE_ERR_OPMON_INVALID_RECORD');
    expect(code(() => store.store({ ...rec(1), requestSize: -1 }))).toBe('TONLE_ERR_OPMON_INVALID_RECORD');
    await expect(store.query({ recordsFrom: 10, recordsTo: 5 })).rejects.toMatchObject({ code: 'TONLE_ERR_OPMON_INVALID_QUERY' });
    await expect(store.query({ recordsFrom: 0, recordsTo: 5, limit: 10_001 })).rejects.toMatchObject({ code: 'TONLE_ERR_OPMON_INVALID_QUERY' });
    await expect(store.query({ recordsFrom: 0, recordsTo: 5, cursor: 'garbage' })).rejects.toMatchObject({ code: 'TONLE_ERR_OPMON_INVALID_QUERY' });
  });

  it('writes buffered records together after writeDelayMs, and a query sees records not yet written', async () => {
    const store = await createOperationalMonitoringStore({ directory: dir, clock, writeDelayMs: 50 });
    const from = Math.floor(now / 1000) - 1;
    for (let i = 0; i < 3; i++) store.store(rec(i));
    expect(await readdir(dir)).toEqual([]);
    // a query writes out what is buffered first
    expect((await store.query({ recordsFrom: from, recordsTo: from + 10 })).records.map((r) => r.messageId)).toEqual(['id-0', 'id-1', 'id-2']);
    store.store(rec(3));
    // without flush() the timer writes it
    for (let waited = 0; waited < 10_000 && (await readFile(join(dir, 'opmon-20270301.jsonl'), 'utf8')).split('\n').length < 5; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect((await readFile(join(dir, 'opmon-20270301.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(4);
    await expect(createOperationalMonitoringStore({ directory: dir, clock, writeDelayMs: -1 })).rejects.toBeInstanceOf(TypeError);
  });

  it('purges day files past the retention', async () => {
    const store = await createOperationalMonitoringStore({ directory: dir, clock, keepDays: 7 });
    store.store(rec(1));
    await store.flush();
    now += 8 * 86_400_000;
    store.store(rec(2));
    await store.flush();
    expect(await store.purge()).toBe(1);
    expect(await readdir(dir)).toHaveLength(1);
  });
});
