/**
 * @tonle/audit: the auditor's offline verifier for Tonle message logs, archives and evidence bundles, and
 * the definition of the log file format the security server writes. Depends on @tonle/protocol (Merkle)
 * and @tonle/pki (JWS, path validation, RFC 3161); never on the security server.
 */
export * from './log-format/index.ts';
export { AuditError, AUDIT_ERROR_CODES, type AuditErrorCode } from './errors.ts';
export * from './trust/index.ts';
export * from './verify/index.ts';
export * from './bundle/index.ts';
