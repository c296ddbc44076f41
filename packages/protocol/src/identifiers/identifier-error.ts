/** Every way an identifier can be malformed; each is a stable code documented in docs/errors.md. */
export const IdentifierErrorCode = {
  /** The input is not a string. */
  NotAString: 'TONLE_ERR_ID_NOT_A_STRING',
  /** A part is empty (`EE//123`). */
  EmptyPart: 'TONLE_ERR_ID_EMPTY_PART',
  /** A part has a character outside the allowed set. */
  InvalidCharacter: 'TONLE_ERR_ID_INVALID_CHARACTER',
  /** A part is longer than 255 characters after decoding. */
  TooLong: 'TONLE_ERR_ID_TOO_LONG',
  /** The text has the wrong number of `/`-separated parts for its kind. */
  WrongPartCount: 'TONLE_ERR_ID_WRONG_PART_COUNT',
  /** A `%` escape is malformed or does not decode to UTF-8. */
  BadPercentEncoding: 'TONLE_ERR_ID_BAD_PERCENT_ENCODING',
  /** A service path does not start with `/r<digit>/`. */
  InvalidProtocolVersion: 'TONLE_ERR_ID_INVALID_PROTOCOL_VERSION',
  /** A service path names a protocol version other than `r1`. */
  UnsupportedProtocolVersion: 'TONLE_ERR_ID_UNSUPPORTED_PROTOCOL_VERSION',
  /** A service path is not an origin-form path (`/...`), or is too long. */
  InvalidPath: 'TONLE_ERR_ID_INVALID_PATH',
} as const;

/** The union of identifier error codes. */
export type IdentifierErrorCode = (typeof IdentifierErrorCode)[keyof typeof IdentifierErrorCode];

const CODES: ReadonlySet<string> = new Set(Object.values(IdentifierErrorCode));

/**
 * The only error identifier parsers throw. Match on `code`, not on the message.
 *
 * @example
 * ```ts
 * import { parseClientId, IdentifierError } from '@tonle/protocol';
 * try { parseClientId('EE/GOV'); } catch (e) {
 *   if (IdentifierError.is(e)) console.log(e.code); // TONLE_ERR_ID_WRONG_PART_COUNT
 * }
 * ```
 */
export class IdentifierError extends Error {
  override readonly name = 'IdentifierError';
  readonly code: IdentifierErrorCode;
  /** Which part was wrong (`memberCode`, `serviceCode`, ...), when one part was. */
  readonly part: string | undefined;

  constructor(code: IdentifierErrorCode, message: string, part?: string) {
    super(message);
    this.code = code;
    this.part = part;
  }

  /** True for an IdentifierError, also across two copies of this package (matched by name and code). */
  static is(value: unknown): value is IdentifierError {
    return (
      value instanceof Error &&
      value.name === 'IdentifierError' &&
      CODES.has(String((value as { code?: unknown }).code))
    );
  }
}
