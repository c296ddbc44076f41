export type KeysErrorCode =
  | 'TONLE_ERR_KEYS_NOT_FOUND'
  | 'TONLE_ERR_KEYS_NO_MATCHING_KEY'
  | 'TONLE_ERR_KEYS_DUPLICATE'
  | 'TONLE_ERR_KEYS_INVALID_CERTIFICATE'
  | 'TONLE_ERR_KEYS_INVALID_REQUEST'
  | 'TONLE_ERR_KEYS_MEMBER_MISMATCH'
  | 'TONLE_ERR_KEYS_CERT_EXPIRED'
  | 'TONLE_ERR_KEYS_OCSP_NOT_GOOD'
  | 'TONLE_ERR_KEYS_OCSP_UNAVAILABLE'
  | 'TONLE_ERR_KEYS_INVALID_STATE'
  | 'TONLE_ERR_KEYS_LAST_ACTIVE_KEY'
  | 'TONLE_ERR_KEYS_NO_ACTIVE_CERTIFICATE'
  | 'TONLE_ERR_KEYS_CORRUPT';

/** A refused key or certificate operation (xroad-digest §5). */
export class KeysError extends Error {
  readonly code: KeysErrorCode;
  constructor(code: KeysErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KeysError';
    this.code = code;
  }
}
