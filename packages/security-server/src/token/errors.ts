export type TokenErrorCode =
  | 'TONLE_ERR_TOKEN_NOT_INITIALIZED'
  | 'TONLE_ERR_TOKEN_ALREADY_INITIALIZED'
  | 'TONLE_ERR_TOKEN_LOGGED_OUT'
  | 'TONLE_ERR_TOKEN_WRONG_PIN'
  | 'TONLE_ERR_TOKEN_LOCKED'
  | 'TONLE_ERR_TOKEN_WEAK_PIN'
  | 'TONLE_ERR_TOKEN_KEY_NOT_FOUND'
  | 'TONLE_ERR_TOKEN_UNSUPPORTED_ALGORITHM'
  | 'TONLE_ERR_TOKEN_CORRUPT';

/** A refused token operation. The message never contains the PIN. */
export class TokenError extends Error {
  readonly code: TokenErrorCode;
  /** For TONLE_ERR_TOKEN_LOCKED: when login attempts are accepted again (epoch ms). */
  readonly retryAt: number | undefined;
  constructor(code: TokenErrorCode, message: string, options: { cause?: unknown; retryAt?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TokenError';
    this.code = code;
    this.retryAt = options.retryAt;
  }
}
