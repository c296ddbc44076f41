/**
 * Message log: the security server's durable, tamper-evident record of every request, response and
 * refusal (architecture.md §6). Front door of the module; everything else in this folder is internal.
 *
 * Contract for callers (client proxy / server proxy):
 * - call `append()` once per request, once per response and once per refusal, on each side;
 * - release nothing to the peer or the information system before `append()` resolved: it resolves
 *   only when the record is on disk (fsync, group commit);
 * - when `append()` rejects with a `GatewayFault`, answer with it (it is already the right code for
 *   `side`, e.g. `Server.ClientProxy.LoggingFailed.TimestamperFailed`).
 */
export type {
  MessageLog,
  MessageLogSide,
  MessageRecordKind,
  MessageRecordInput,
  BodyCommitment,
  AppendReceipt,
  MessageLogStatus,
  RecordQuery,
  LoggedRecord,
  Timestamper,
  TimestampResult,
  CheckpointSigner,
} from './types.ts';
export { createMessageLog, type MessageLogDeps, type MessageLogConfig } from './message-log.ts';
export { createHttpTimestamper, type HttpTimestamperDeps, type TsaEndpoint } from './http-timestamper.ts';
export { MessageLogError, MESSAGE_LOG_ERROR_CODES, type MessageLogErrorCode } from './errors.ts';
