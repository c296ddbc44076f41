/** Verification of whole logs and archives, and lookup of one exchange's records. */
export { verifyLog, listLogFiles, checkLeafContent, type LogVerifyReport, type VerifyLogOptions, type VerifyProblem } from './verify-log.ts';
export { findMessageRecords, type ShownRecord } from './show.ts';
