/**
 * Internal error codes of the trust services (`TONLE_ERR_TRUST_*`). Wire-level answers of the OCSP
 * responder and the TSA are protocol statuses (RFC 6960 §4.2.1, RFC 3161 §2.4.2), never these errors;
 * the CA admin API renders these as `{ code, message }` with the HTTP status below.
 */
export const TrustErrorCodes = {
  /** A service configuration has one or more violations (all are listed in `violations`). */
  CONFIG_INVALID: 400,
  /** The state directory has not been initialised (`tonle trust init`). */
  STATE_MISSING: 500,
  /** `trust init` would overwrite an existing PKI. */
  STATE_EXISTS: 409,
  /** A state file (key, certificate, store record, serial counter) cannot be read or is corrupt. */
  STATE_CORRUPT: 500,
  /** The admin API key is missing or wrong. */
  UNAUTHORIZED: 401,
  /** An admin API request body or parameter is malformed. */
  BAD_REQUEST: 400,
  /** The CSR cannot be parsed or its self-signature does not verify. */
  CSR_INVALID: 400,
  /** The CSR subject does not fit the certificate profile for the requested member / server. */
  CSR_PROFILE_MISMATCH: 400,
  /** No issued certificate has that serial number. */
  CERT_NOT_FOUND: 404,
  /** The certificate is already revoked. */
  CERT_ALREADY_REVOKED: 409,
} as const;

export type TrustErrorCode = `TONLE_ERR_TRUST_${keyof typeof TrustErrorCodes}`;

/** An error of the trust services with a stable `code` and the HTTP status the admin API answers with. */
export class TrustServiceError extends Error {
  readonly code: TrustErrorCode;
  readonly status: number;
  readonly violations: readonly string[];

  constructor(
    what: keyof typeof TrustErrorCodes,
    message: string,
    options: { cause?: unknown; violations?: readonly string[] } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TrustServiceError';
    this.code = `TONLE_ERR_TRUST_${what}`;
    this.status = TrustErrorCodes[what];
    this.violations = Object.freeze([...(options.violations ?? [])]);
  }
}

/** True when `e` is a {@link TrustServiceError} (checked by shape, so duplicate installs still match). */
export function isTrustServiceError(e: unknown): e is TrustServiceError {
  const code = e instanceof Error ? (e as unknown as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('TONLE_ERR_TRUST_');
}
