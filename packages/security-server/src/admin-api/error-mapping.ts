import { IdentifierError } from '@tonle/protocol';
import { AdminApiError } from './errors.ts';

/** HTTP status for each internal error code the admin API can meet (everything else is 500). */
const STATUS: Readonly<Record<string, number>> = {
  TONLE_ERR_TOKEN_NOT_INITIALIZED: 409,
  TONLE_ERR_TOKEN_ALREADY_INITIALIZED: 409,
  TONLE_ERR_TOKEN_LOGGED_OUT: 409,
  TONLE_ERR_TOKEN_WRONG_PIN: 400,
  TONLE_ERR_TOKEN_LOCKED: 423,
  TONLE_ERR_TOKEN_WEAK_PIN: 400,
  TONLE_ERR_TOKEN_KEY_NOT_FOUND: 404,
  TONLE_ERR_TOKEN_UNSUPPORTED_ALGORITHM: 400,
  TONLE_ERR_KEYS_NOT_FOUND: 404,
  TONLE_ERR_KEYS_NO_MATCHING_KEY: 400,
  TONLE_ERR_KEYS_DUPLICATE: 409,
  TONLE_ERR_KEYS_INVALID_CERTIFICATE: 400,
  TONLE_ERR_KEYS_INVALID_REQUEST: 400,
  TONLE_ERR_KEYS_MEMBER_MISMATCH: 400,
  TONLE_ERR_KEYS_CERT_EXPIRED: 400,
  TONLE_ERR_KEYS_OCSP_NOT_GOOD: 409,
  TONLE_ERR_KEYS_OCSP_UNAVAILABLE: 503,
  TONLE_ERR_KEYS_INVALID_STATE: 409,
  TONLE_ERR_KEYS_LAST_ACTIVE_KEY: 409,
  TONLE_ERR_KEYS_NO_ACTIVE_CERTIFICATE: 409,
  TONLE_ERR_REGISTRATION_INVALID_REQUEST: 400,
  TONLE_ERR_REGISTRATION_NO_SIGNING_CERTIFICATE: 409,
  TONLE_ERR_REGISTRATION_UNREACHABLE: 502,
  TONLE_ERR_REGISTRATION_REFUSED: 502,
  TONLE_ERR_OPMON_INVALID_QUERY: 400,
  TONLE_ERR_SERVERCONF_INVALID_IDENTIFIER: 400,
  TONLE_ERR_SERVERCONF_INVALID_URL: 400,
  TONLE_ERR_SERVERCONF_INVALID_ENDPOINT: 400,
  TONLE_ERR_SERVERCONF_INVALID_VALUE: 400,
  TONLE_ERR_SERVERCONF_DUPLICATE: 409,
  TONLE_ERR_SERVERCONF_RESERVED_SERVICE_CODE: 400,
  // A refused OpenAPI description is a validation error of the request (the pointer says where); only a
  // description URL that cannot be fetched is the fault of another server.
  TONLE_ERR_OPENAPI_TOO_LARGE: 400,
  TONLE_ERR_OPENAPI_SYNTAX: 400,
  TONLE_ERR_OPENAPI_TOO_COMPLEX: 400,
  TONLE_ERR_OPENAPI_UNSUPPORTED_VERSION: 400,
  TONLE_ERR_OPENAPI_INVALID: 400,
  TONLE_ERR_OPENAPI_UNSUPPORTED_REF: 400,
  TONLE_ERR_OPENAPI_NO_OPERATIONS: 400,
  TONLE_ERR_OPENAPI_NO_SERVER_URL: 400,
  TONLE_ERR_OPENAPI_INVALID_URL: 400,
  TONLE_ERR_OPENAPI_FETCH_FAILED: 502,
  TONLE_ERR_SERVERCONF_NOT_FOUND: 404,
  TONLE_ERR_SERVERCONF_IN_USE: 409,
  TONLE_ERR_SERVERCONF_NOT_INITIALIZED: 409,
  TONLE_ERR_SERVERCONF_ALREADY_INITIALIZED: 409,
  TONLE_ERR_SERVERCONF_CONFLICT: 409,
};

export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly details?: readonly string[];
  readonly registryCode?: string;
  /** OpenAPI description errors: where in the document (RFC 6901 JSON pointer), or the line and column. */
  readonly pointer?: string;
  readonly line?: number;
  readonly column?: number;
}

/** Maps a thrown error to the admin API's `{ code, message, details? }` answer. */
export function errorAnswer(error: unknown, now: number): { status: number; body: ErrorBody; headers?: Record<string, string> } {
  if (error instanceof AdminApiError) {
    return { status: error.status, body: { code: error.code, message: error.message, ...(error.details?.length ? { details: error.details } : {}) } };
  }
  const e = error as { code?: unknown; message?: unknown; registryCode?: unknown; retryAt?: unknown; part?: unknown; pointer?: unknown; line?: unknown; column?: unknown };
  if (IdentifierError.is(error)) {
    return { status: 400, body: { code: error.code, message: error.message } };
  }
  if (typeof e?.code === 'string' && e.code in STATUS) {
    const headers: Record<string, string> = {};
    if (e.code === 'TONLE_ERR_TOKEN_LOCKED' && typeof e.retryAt === 'number') headers['retry-after'] = String(Math.max(1, Math.ceil((e.retryAt - now) / 1000)));
    return {
      status: STATUS[e.code]!,
      body: {
        code: e.code,
        message: String(e.message),
        ...(typeof e.registryCode === 'string' ? { registryCode: e.registryCode } : {}),
        ...(typeof e.pointer === 'string' ? { pointer: e.pointer } : {}),
        ...(typeof e.line === 'number' && typeof e.column === 'number' ? { line: e.line, column: e.column } : {}),
      },
      headers,
    };
  }
  return { status: 500, body: { code: 'TONLE_ERR_ADMIN_INTERNAL', message: 'internal error in the admin API; see the server log' } };
}
