import type { MessageLog, MessageRecordInput } from '../message-log/index.ts';

/**
 * An in-memory message log: keeps records in an array, for tests and for running the exchange before a
 * durable log is configured. It makes NO durability claim: everything is lost when the process ends.
 */
export function createMemoryMessageLog(): Pick<MessageLog, 'append'> & { readonly records: readonly MessageRecordInput[] } {
  const records: MessageRecordInput[] = [];
  return {
    records,
    append(record) {
      records.push(record);
      return Promise.resolve({ index: records.length - 1, segment: 'memory' });
    },
  };
}
