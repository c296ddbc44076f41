/**
 * @tonle/audit: the auditor's offline verifier for Tonle message logs, archives and evidence bundles, and
 * the definition of the log file format the security server writes. Depends on @tonle/protocol (Merkle)
 * and @tonle/pki (JWS, path validation, RFC 3161); never on the security server.
 */
export * from './log-format/index.ts';
export { AuditError, AUDIT_ERROR_CODES, type AuditErrorCode } from './errors.ts';
export { loadTrustAnchors, parseCertificates, checkChain, type TrustAnchors } from './trust/anchors.ts';
export { checkJws, type JwsCheck } from './trust/jws.ts';
export { checkTimestampToken, type TimestampCheck } from './trust/timestamp-token.ts';
export { verifyLog, listLogFiles, checkLeafContent, type LogVerifyReport, type VerifyLogOptions, type VerifyProblem } from './verify/verify-log.ts';
export { findMessageRecords, type ShownRecord } from './verify/show.ts';
export {
  parseEvidenceBundle,
  verifyEvidenceBundle,
  type EvidenceBundle,
  type EvidenceItem,
  type BundleVerifyReport,
  type BundleRecordSummary,
  type VerifyBundleOptions,
} from './bundle/bundle.ts';
