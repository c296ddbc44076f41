import { IdentifierError, IdentifierErrorCode } from './identifier-error.ts';
import type { IdentifierOptions } from './types.ts';

/** pr-rest 4.8 / pr-mess 2.7: the characters an identifier part may use under strict checks. */
const STRICT_PART = /^[A-Za-z0-9'()+,\-.=?]+$/;
/** C0 controls, DEL and C1 controls: never allowed, even leniently (X-Road's lenient validator agrees). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** X-Road's admin UIs and database columns cap identifier parts at 255 characters. */
export const MAX_PART_LENGTH = 255;

/** Checks one decoded identifier part; `name` says which part for the error. */
export function checkPart(value: unknown, name: string, options: IdentifierOptions | undefined): string {
  if (typeof value !== 'string') {
    throw new IdentifierError(IdentifierErrorCode.NotAString, `${name} must be a string`, name);
  }
  if (value.length === 0) {
    throw new IdentifierError(IdentifierErrorCode.EmptyPart, `${name} must not be empty`, name);
  }
  if (value.length > MAX_PART_LENGTH) {
    throw new IdentifierError(
      IdentifierErrorCode.TooLong,
      `${name} is ${value.length} characters long; the limit is ${MAX_PART_LENGTH}`,
      name,
    );
  }
  if ((options?.validation ?? 'strict') === 'strict') {
    if (!STRICT_PART.test(value)) {
      throw new IdentifierError(
        IdentifierErrorCode.InvalidCharacter,
        `${name} may only use A-Z a-z 0-9 and ' ( ) + , - . = ? (pr-rest 4.8)`,
        name,
      );
    }
  } else if (CONTROL.test(value)) {
    throw new IdentifierError(IdentifierErrorCode.InvalidCharacter, `${name} must not contain control characters`, name);
  }
  return value;
}

/** Decodes one percent-encoded part (pr-rest 4.2: each part is encoded on its own). */
export function decodePart(raw: string, name: string): string {
  // Without a `%` there is nothing to decode (decodeURIComponent would return `raw` itself): the common case.
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new IdentifierError(IdentifierErrorCode.BadPercentEncoding, `${name} has a malformed %-escape`, name);
  }
}

/**
 * Encodes one part as a URI path segment (RFC 3986 pchar): unreserved characters and sub-delimiters stay
 * as they are, so strict identifiers are never escaped; `/`, `?`, `#`, `%` and everything else are.
 */
export function encodePart(value: string): string {
  // Only characters the result keeps as they are: the value is its own encoding (every strict identifier).
  if (UNESCAPED.test(value)) return value;
  return encodeURIComponent(value).replace(/%(21|24|26|27|28|29|2A|2B|2C|3B|3D|3A|40)/gi, (escape) =>
    decodeURIComponent(escape),
  );
}

/** RFC 3986 unreserved characters and the sub-delimiters, `:` and `@` that encodePart leaves unescaped. */
const UNESCAPED = /^[A-Za-z0-9\-._~!$&'()*+,;=:@]*$/;

/** Splits `text` on `/` into exactly one of the allowed counts of parts, or throws WrongPartCount. */
export function splitParts(text: unknown, kind: string, counts: readonly number[], form: string): string[] {
  if (typeof text !== 'string') {
    throw new IdentifierError(IdentifierErrorCode.NotAString, `${kind} must be a string`);
  }
  const parts = text.split('/');
  if (!counts.includes(parts.length)) {
    throw new IdentifierError(
      IdentifierErrorCode.WrongPartCount,
      `${kind} must have the form ${form}; got ${parts.length} part${parts.length === 1 ? '' : 's'}`,
    );
  }
  return parts;
}
