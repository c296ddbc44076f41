export type AdminApiErrorCode =
  | 'TONLE_ERR_ADMIN_UNAUTHORIZED'
  | 'TONLE_ERR_ADMIN_FORBIDDEN'
  | 'TONLE_ERR_ADMIN_RATE_LIMITED'
  | 'TONLE_ERR_ADMIN_VALIDATION'
  | 'TONLE_ERR_ADMIN_BODY_TOO_LARGE'
  | 'TONLE_ERR_ADMIN_NOT_FOUND'
  | 'TONLE_ERR_ADMIN_CONFLICT'
  | 'TONLE_ERR_ADMIN_INVALID_ANCHOR'
  | 'TONLE_ERR_ADMIN_BACKUP_CORRUPT'
  | 'TONLE_ERR_ADMIN_BACKUP_FOREIGN'
  | 'TONLE_ERR_ADMIN_AUDIT_FAILED'
  | 'TONLE_ERR_ADMIN_CORRUPT'
  | 'TONLE_ERR_ADMIN_INTERNAL';

/** An admin API refusal; `status` is the HTTP status it is answered with. */
export class AdminApiError extends Error {
  readonly code: AdminApiErrorCode;
  readonly status: number;
  readonly details: readonly string[] | undefined;
  constructor(code: AdminApiErrorCode, status: number, message: string, options: { cause?: unknown; details?: readonly string[] } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AdminApiError';
    this.code = code;
    this.status = status;
    this.details = options.details;
  }
}
