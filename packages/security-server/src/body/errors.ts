/**
 * Why a body could not be taken in: larger than allowed (`TOO_LARGE`), the sender stopped or the
 * connection broke mid-body (`ABORTED`), or the spool could not be written (`SPOOL`, e.g. a full disk).
 */
export type BodyErrorCode = 'TONLE_ERR_BODY_TOO_LARGE' | 'TONLE_ERR_BODY_ABORTED' | 'TONLE_ERR_BODY_SPOOL';

export class BodyError extends Error {
  readonly code: BodyErrorCode;
  constructor(code: BodyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BodyError';
    this.code = code;
  }
}
