export type BatchSignatureErrorCode =
  | 'TONLE_ERR_BATCHSIG_MALFORMED'
  | 'TONLE_ERR_BATCHSIG_UNSUPPORTED_ALGORITHM'
  | 'TONLE_ERR_BATCHSIG_KEY_MISMATCH'
  | 'TONLE_ERR_BATCHSIG_BAD_SIGNATURE'
  | 'TONLE_ERR_BATCHSIG_NOT_INCLUDED'
  | 'TONLE_ERR_BATCHSIG_SIGNING_FAILED'
  | 'TONLE_ERR_BATCHSIG_CLOSED';

/** A batch signature that cannot be produced or does not verify. Mapped to a signature fault by the proxies. */
export class BatchSignatureError extends Error {
  readonly code: BatchSignatureErrorCode;
  constructor(code: BatchSignatureErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BatchSignatureError';
    this.code = code;
  }
}
