import { describe, expect, it } from 'vitest';
import { createMemoryMessageLog } from '../../src/app/index.ts';
import type { MessageRecordInput } from '../../src/message-log/index.ts';

const record = (i: number, bodyBytes = 10): MessageRecordInput => ({
  kind: 'request', side: 'client', xRoadId: `id-${i}`, client: 'EE/GOV/1/a', service: 'EE/GOV/2/b/c', body: new Uint8Array(bodyBytes),
});

describe('in-memory message log', () => {
  it('keeps every record up to its record limit, then only the most recent ones', async () => {
    const log = createMemoryMessageLog({ maxRecords: 100 });
    for (let i = 0; i < 100; i++) expect((await log.append(record(i))).index).toBe(i);
    expect(log.records.map((r) => r.xRoadId)).toEqual(Array.from({ length: 100 }, (_, i) => `id-${i}`));
    for (let i = 100; i < 1000; i++) await log.append(record(i));
    expect(log.appended).toBe(1000);
    expect(log.records.length).toBeLessThanOrEqual(100);
    expect(log.records.length).toBeGreaterThan(80);
    expect(log.records.at(-1)?.xRoadId).toBe('id-999');
    // oldest first, no gaps
    const ids = log.records.map((r) => Number(r.xRoadId.slice(3)));
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => 1000 - ids.length + i));
  });

  it('bounds the bytes it holds, keeping at least the newest record', async () => {
    const log = createMemoryMessageLog({ maxBytes: 1024 * 1024 });
    for (let i = 0; i < 50; i++) await log.append(record(i, 100 * 1024));
    const held = log.records.reduce((n, r) => n + (r.body instanceof Uint8Array ? r.body.length : 0), 0);
    expect(held).toBeLessThanOrEqual(1024 * 1024);
    expect(log.records.at(-1)?.xRoadId).toBe('id-49');
    await log.append(record(50, 5 * 1024 * 1024));
    expect(log.records.map((r) => r.xRoadId)).toEqual(['id-50']);
  });

  it('refuses limits that are not positive integers', () => {
    expect(() => createMemoryMessageLog({ maxRecords: 0 })).toThrow(TypeError);
    expect(() => createMemoryMessageLog({ maxBytes: 1.5 })).toThrow(TypeError);
  });
});
