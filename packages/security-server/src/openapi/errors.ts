export type OpenApiErrorCode =
  | 'TONLE_ERR_OPENAPI_TOO_LARGE'
  | 'TONLE_ERR_OPENAPI_SYNTAX'
  | 'TONLE_ERR_OPENAPI_TOO_COMPLEX'
  | 'TONLE_ERR_OPENAPI_UNSUPPORTED_VERSION'
  | 'TONLE_ERR_OPENAPI_INVALID'
  | 'TONLE_ERR_OPENAPI_UNSUPPORTED_REF'
  | 'TONLE_ERR_OPENAPI_NO_OPERATIONS'
  | 'TONLE_ERR_OPENAPI_NO_SERVER_URL'
  | 'TONLE_ERR_OPENAPI_INVALID_URL'
  | 'TONLE_ERR_OPENAPI_FETCH_FAILED';

/**
 * A refused OpenAPI description. `pointer` is the RFC 6901 JSON pointer of the offending value in the
 * document (`/paths/~1pets~1{id}/get`) when the problem is in one place; `line`/`column` (1-based) locate
 * syntax errors in the text.
 */
export class OpenApiError extends Error {
  readonly code: OpenApiErrorCode;
  readonly pointer: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  constructor(
    code: OpenApiErrorCode,
    message: string,
    options: { pointer?: string; line?: number; column?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OpenApiError';
    this.code = code;
    this.pointer = options.pointer;
    this.line = options.line;
    this.column = options.column;
  }
}

/** RFC 6901 §3: `~` is written `~0` and `/` is written `~1` inside a reference token. */
export function pointerOf(tokens: readonly (string | number)[]): string {
  return tokens.map((t) => `/${String(t).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}
