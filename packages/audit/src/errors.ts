/** Codes of @tonle/audit (docs/errors.md, "Audit"; a test keeps the two in sync). */
export const AUDIT_ERROR_CODES = [
  'TONLE_ERR_AUDIT_ENTRY_INVALID',
  'TONLE_ERR_AUDIT_BUNDLE_INVALID',
  'TONLE_ERR_AUDIT_ARCHIVE_INVALID',
  'TONLE_ERR_AUDIT_KEY_INVALID',
  'TONLE_ERR_AUDIT_ANCHORS_INVALID',
  'TONLE_ERR_AUDIT_MERKLE_RANGE',
] as const;
export type AuditErrorCode = (typeof AUDIT_ERROR_CODES)[number];

/** An error of the audit library; `code` is stable, the message says how to fix the input. */
export class AuditError extends Error {
  readonly code: AuditErrorCode;
  constructor(code: AuditErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuditError';
    this.code = code;
  }
}
