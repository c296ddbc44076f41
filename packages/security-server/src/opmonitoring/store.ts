import { appendFile, mkdir, open, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '@tonle/protocol';
import { OpMonitoringError } from './errors.ts';
import { operationalRecordProblems, type OperationalRecord, type OperationalRecordInput } from './record.ts';

/** A stored record: X-Road's fields plus a store-assigned sequence number used for paging. */
export interface StoredOperationalRecord extends OperationalRecord {
  readonly id: number;
}

export interface OperationalQuery {
  /** Inclusive lower bound of `monitoringDataTs`, epoch seconds (X-Road `recordsFrom`). */
  readonly recordsFrom: number;
  /** Inclusive upper bound, epoch seconds (X-Road `recordsTo`). */
  readonly recordsTo: number;
  /** Only records of this client (`clientXRoadInstance/Class/Code[/Subsystem]` fields must all match). */
  readonly client?: { readonly instance: string; readonly memberClass: string; readonly memberCode: string; readonly subsystemCode?: string };
  /** Page size, 1-10000 (X-Road's maximum per reply). */
  readonly limit?: number;
  /** Opaque cursor from the previous page's `nextCursor`. */
  readonly cursor?: string;
}

export interface OperationalPage {
  readonly records: readonly StoredOperationalRecord[];
  /** Present when more records match: pass it as `cursor` to get the next page. */
  readonly nextCursor?: string;
  /** X-Road's `nextRecordsFrom`: the `monitoringDataTs` the next page starts at. */
  readonly nextRecordsFrom?: number;
}

export interface OperationalMonitoringStore {
  /** Validates and stores one record (buffered; `flush()` waits for the write). */
  store(record: OperationalRecordInput): void;
  flush(): Promise<void>;
  query(q: OperationalQuery): Promise<OperationalPage>;
  /** Deletes day files older than the retention (X-Road `keep-records-for-days`, default 7). */
  purge(): Promise<number>;
}

const DAY_FILE = /^opmon-(\d{8})\.jsonl$/;
const dayOf = (epochMs: number) => new Date(epochMs).toISOString().slice(0, 10).replace(/-/g, '');
const MAX_LIMIT = 10_000;

function encodeCursor(ts: number, id: number): string {
  return Buffer.from(JSON.stringify([ts, id])).toString('base64url');
}
function decodeCursor(cursor: string): [number, number] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && v.every((n) => Number.isInteger(n) && n >= 0)) return v as [number, number];
  } catch {
    // fall through
  }
  throw new OpMonitoringError('TONLE_ERR_OPMON_INVALID_QUERY', 'cursor is not one this server returned; start again without it');
}

/**
 * Operational monitoring records (xroad-digest §9) in per-day JSON-lines files: written in batches (every
 * `writeDelayMs`, so a crash loses at most that much operational data),
 * queried by time range with paging, purged after the retention period. Operational data is not
 * evidence (the message log is), so writes are not fsynced; a torn last line after a crash is skipped.
 *
 * @example
 * ```ts
 * const opmon = await createOperationalMonitoringStore({ directory, clock });
 * opmon.store({ securityServerType: 'Client', succeeded: true, serviceCode: 'getPerson', requestInTs: t0, responseOutTs: t1 });
 * const page = await opmon.query({ recordsFrom, recordsTo, limit: 100 });
 * ```
 */
export async function createOperationalMonitoringStore(options: {
  directory: string;
  clock: Clock;
  keepDays?: number;
  maxBuffered?: number;
  /** How long records wait in memory to be written together (default 200 ms; `flush()` and queries write at once). */
  writeDelayMs?: number;
}): Promise<OperationalMonitoringStore> {
  const { directory, clock } = options;
  const keepDays = options.keepDays ?? 7;
  const maxBuffered = options.maxBuffered ?? 20_000;
  const writeDelayMs = options.writeDelayMs ?? 200;
  if (!Number.isInteger(writeDelayMs) || writeDelayMs < 0) throw new TypeError('createOperationalMonitoringStore: writeDelayMs must be a non-negative integer');
  await mkdir(directory, { recursive: true });

  const readDay = async (file: string): Promise<StoredOperationalRecord[]> => {
    let text: string;
    try {
      text = await readFile(join(directory, file), 'utf8');
    } catch {
      return [];
    }
    const out: StoredOperationalRecord[] = [];
    for (const line of text.split('\n')) {
      if (line.length === 0) continue;
      try {
        const r = JSON.parse(line) as StoredOperationalRecord;
        if (typeof r.id === 'number' && typeof r.monitoringDataTs === 'number') out.push(r);
      } catch {
        // a torn line (crash mid-write) is skipped
      }
    }
    return out;
  };
  const dayFiles = async () => (await readdir(directory)).filter((f) => DAY_FILE.test(f)).sort();

  let seq = 0;
  const files = await dayFiles();
  // A crash mid-append leaves a line without its newline; terminate it so the next record starts clean.
  for (const f of files) {
    const fh = await open(join(directory, f), 'r+');
    try {
      const { size } = await fh.stat();
      if (size > 0) {
        const last = Buffer.alloc(1);
        await fh.read(last, 0, 1, size - 1);
        if (last[0] !== 0x0a) await fh.write('\n', size);
      }
    } finally {
      await fh.close();
    }
  }
  const newest = files[files.length - 1];
  if (newest !== undefined) for (const r of await readDay(newest)) seq = Math.max(seq, r.id);

  let buffer: StoredOperationalRecord[] = [];
  let writing: Promise<void> = Promise.resolve();
  let lastError: unknown;
  let timer: NodeJS.Timeout | undefined;
  const writeOut = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (buffer.length === 0) return;
    const batch = buffer;
    buffer = [];
    writing = writing.then(async () => {
      const byDay = new Map<string, string[]>();
      for (const r of batch) {
        const day = dayOf(r.monitoringDataTs * 1000);
        (byDay.get(day) ?? byDay.set(day, []).get(day)!).push(JSON.stringify(r));
      }
      try {
        for (const [day, lines] of byDay) await appendFile(join(directory, `opmon-${day}.jsonl`), `${lines.join('\n')}\n`, { mode: 0o600 });
      } catch (e) {
        lastError = e;
      }
    });
  };

  return {
    store(record) {
      const problems = operationalRecordProblems(record);
      if (problems.length > 0) throw new OpMonitoringError('TONLE_ERR_OPMON_INVALID_RECORD', 'the operational record is invalid; see details', { details: problems });
      // X-Road drops records when its buffer is full rather than slowing the exchange down.
      if (buffer.length >= maxBuffered) return;
      seq += 1;
      buffer.push({ ...record, monitoringDataTs: Math.floor(clock.now() / 1000), id: seq });
      // One append per writeDelayMs instead of an open/write/close per exchange (docs/performance.md).
      if (buffer.length === 1) {
        timer = setTimeout(writeOut, writeDelayMs);
        timer.unref();
      }
    },
    async flush() {
      writeOut();
      await writing;
      if (lastError !== undefined) {
        const e = lastError;
        lastError = undefined;
        throw new OpMonitoringError('TONLE_ERR_OPMON_STORE_FAILED', 'cannot write operational records; check the disk', { cause: e });
      }
    },
    async query(q) {
      const { recordsFrom, recordsTo } = q;
      if (!Number.isInteger(recordsFrom) || !Number.isInteger(recordsTo) || recordsFrom < 0 || recordsTo < recordsFrom) {
        throw new OpMonitoringError('TONLE_ERR_OPMON_INVALID_QUERY', 'recordsFrom and recordsTo must be epoch seconds with recordsFrom <= recordsTo');
      }
      const limit = q.limit ?? 1000;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new OpMonitoringError('TONLE_ERR_OPMON_INVALID_QUERY', `limit must be 1-${MAX_LIMIT}`);
      const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
      writeOut();
      await writing;
      const fromDay = dayOf(recordsFrom * 1000);
      const toDay = dayOf(recordsTo * 1000);
      const matches: StoredOperationalRecord[] = [];
      for (const f of await dayFiles()) {
        const day = DAY_FILE.exec(f)![1]!;
        if (day < fromDay || day > toDay) continue;
        for (const r of await readDay(f)) {
          if (r.monitoringDataTs < recordsFrom || r.monitoringDataTs > recordsTo) continue;
          if (after !== undefined && (r.monitoringDataTs < after[0] || (r.monitoringDataTs === after[0] && r.id <= after[1]))) continue;
          const c = q.client;
          if (c !== undefined && (r.clientXRoadInstance !== c.instance || r.clientMemberClass !== c.memberClass || r.clientMemberCode !== c.memberCode || (c.subsystemCode !== undefined && r.clientSubsystemCode !== c.subsystemCode))) continue;
          matches.push(r);
        }
      }
      matches.sort((a, b) => a.monitoringDataTs - b.monitoringDataTs || a.id - b.id);
      const records = matches.slice(0, limit);
      if (matches.length <= limit) return { records };
      const last = records[records.length - 1]!;
      return { records, nextCursor: encodeCursor(last.monitoringDataTs, last.id), nextRecordsFrom: matches[limit]!.monitoringDataTs };
    },
    async purge() {
      const oldest = dayOf(clock.now() - keepDays * 86_400_000);
      let removed = 0;
      for (const f of await dayFiles()) {
        if (DAY_FILE.exec(f)![1]! < oldest) {
          await rm(join(directory, f), { force: true });
          removed++;
        }
      }
      return removed;
    },
  };
}
