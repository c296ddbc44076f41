/** Internal (non-wire) error codes of the message log (docs/errors.md, "Message log"; kept in sync by a test). */
export const MESSAGE_LOG_ERROR_CODES = [
  'TONLE_ERR_MESSAGE_LOG_CORRUPT',
  'TONLE_ERR_MESSAGE_LOG_CLOSED',
  'TONLE_ERR_MESSAGE_LOG_CONFIG',
  'TONLE_ERR_MESSAGE_LOG_NOT_FOUND',
  'TONLE_ERR_MESSAGE_LOG_TSA_FAILED',
] as const;
export type MessageLogErrorCode = (typeof MESSAGE_LOG_ERROR_CODES)[number];

export class MessageLogError extends Error {
  readonly code: MessageLogErrorCode;
  constructor(code: MessageLogErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MessageLogError';
    this.code = code;
  }
}
