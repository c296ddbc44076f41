import type { MessageLog, MessageRecordInput } from '../message-log/index.ts';

/** How much an in-memory message log keeps: the most recent records within both bounds. */
export interface MemoryMessageLogLimits {
  /** Default 10,000 records. */
  readonly maxRecords?: number;
  /** Bytes of bodies, JWSs and header parts held; default 64 MiB. */
  readonly maxBytes?: number;
}

export interface MemoryMessageLog extends Pick<MessageLog, 'append'> {
  /** The most recent records, oldest first (older ones are dropped beyond the limits). */
  readonly records: readonly MessageRecordInput[];
  /** Records appended since the log was created, dropped ones included. */
  readonly appended: number;
}

function sizeOf(record: MessageRecordInput): number {
  const body = record.body instanceof Uint8Array ? record.body.length : 0;
  return body + (record.jws?.length ?? 0) + (record.headerPart?.length ?? 0) + 256;
}

/**
 * An in-memory message log for tests and for running the exchange before a durable log is configured. It
 * makes NO durability claim: everything is lost when the process ends, and only the most recent records
 * within `limits` are kept, so a server left without a durable log does not grow without bound.
 */
export function createMemoryMessageLog(limits: MemoryMessageLogLimits = {}): MemoryMessageLog {
  const maxRecords = limits.maxRecords ?? 10_000;
  const maxBytes = limits.maxBytes ?? 64 * 1024 * 1024;
  if (!Number.isSafeInteger(maxRecords) || maxRecords < 1) throw new TypeError('maxRecords must be a positive integer');
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw new TypeError('maxBytes must be a positive integer');
  let records: MessageRecordInput[] = [];
  let bytes = 0;
  let appended = 0;
  return {
    get records() {
      return records;
    },
    get appended() {
      return appended;
    },
    append(record) {
      records.push(record);
      bytes += sizeOf(record);
      appended += 1;
      if (records.length > maxRecords || bytes > maxBytes) {
        // Drop the oldest in one step (an eighth of the records at least), not one per append.
        let drop = Math.max(records.length - maxRecords, Math.ceil(records.length / 8));
        drop = Math.min(drop, records.length - 1);
        for (let i = 0; i < drop; i++) bytes -= sizeOf(records[i] as MessageRecordInput);
        records = records.slice(drop);
        while (bytes > maxBytes && records.length > 1) bytes -= sizeOf(records.shift() as MessageRecordInput);
      }
      return Promise.resolve({ index: appended - 1, segment: 'memory' });
    },
  };
}
