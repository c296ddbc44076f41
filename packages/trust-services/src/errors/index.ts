/**
 * Internal error codes of the trust services and the HTTP status the CA admin API answers with.
 * Wire-level answers of the OCSP responder and the TSA are protocol statuses (RFC 6960 §4.2.1,
 * RFC 3161 §2.4.2), never these; only transport misuse there is an HTTP error with one of these codes.
 */
export const TrustErrorCodes = {
  /** A service configuration has one or more violations (all are listed in `violations`). */
  TONLE_ERR_TRUST_CONFIG_INVALID: 400,
  /** The state directory has not been initialised (`tonle trust init`), or a secret file is missing. */
  TONLE_ERR_TRUST_STATE_MISSING: 500,
  /** `trust init` would overwrite an existing PKI. */
  TONLE_ERR_TRUST_STATE_EXISTS: 409,
  /** A state file (key, certificate, store record, serial counter) cannot be read or is corrupt. */
  TONLE_ERR_TRUST_STATE_CORRUPT: 500,
  /** The admin API key is missing or wrong. */
  TONLE_ERR_TRUST_UNAUTHORIZED: 401,
  /** An admin API request body or parameter is malformed. */
  TONLE_ERR_TRUST_BAD_REQUEST: 400,
  /** The CSR cannot be parsed or its self-signature does not verify. */
  TONLE_ERR_TRUST_CSR_INVALID: 400,
  /** The CSR subject does not fit the certificate profile for the requested member / server. */
  TONLE_ERR_TRUST_CSR_PROFILE_MISMATCH: 400,
  /** No issued certificate has that serial number. */
  TONLE_ERR_TRUST_CERT_NOT_FOUND: 404,
  /** The certificate is already revoked. */
  TONLE_ERR_TRUST_CERT_ALREADY_REVOKED: 409,
  /** No such endpoint on a trust service. */
  TONLE_ERR_TRUST_NOT_FOUND: 404,
  /** An OCSP GET request is larger than the configured body limit (use POST). */
  TONLE_ERR_TRUST_URI_TOO_LONG: 414,
  /** Unexpected failure inside a trust service (details only in the log). */
  TONLE_ERR_TRUST_INTERNAL: 500,
} as const;

export type TrustErrorCode = keyof typeof TrustErrorCodes;

/** An error of the trust services with a stable `code` and the HTTP status the admin API answers with. */
export class TrustServiceError extends Error {
  readonly code: TrustErrorCode;
  readonly status: number;
  readonly violations: readonly string[];

  constructor(code: TrustErrorCode, message: string, options: { cause?: unknown; violations?: readonly string[] } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TrustServiceError';
    this.code = code;
    this.status = TrustErrorCodes[code];
    this.violations = Object.freeze([...(options.violations ?? [])]);
  }
}

/** True when `e` is a {@link TrustServiceError} (checked by shape, so duplicate installs still match). */
export function isTrustServiceError(e: unknown): e is TrustServiceError {
  const code = e instanceof Error ? (e as unknown as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code in TrustErrorCodes;
}
