/**
 * Every coded failure of `@tonle/pki`. Bad data or failed crypto gets one of these; programmer misuse
 * (wrong argument types) throws `TypeError` instead (jose's split).
 *
 * @example
 * ```ts
 * PKI_ERROR_CODES.includes('TONLE_ERR_PKI_REVOKED'); // true
 * ```
 */
export const PKI_ERROR_CODES = [
  'TONLE_ERR_PKI_MALFORMED',
  'TONLE_ERR_PKI_UNSUPPORTED_ALGORITHM',
  'TONLE_ERR_PKI_CERT_EXPIRED',
  'TONLE_ERR_PKI_CERT_NOT_YET_VALID',
  'TONLE_ERR_PKI_UNTRUSTED_ISSUER',
  'TONLE_ERR_PKI_BAD_SIGNATURE',
  'TONLE_ERR_PKI_NOT_CA',
  'TONLE_ERR_PKI_KEY_USAGE',
  'TONLE_ERR_PKI_PATH_TOO_LONG',
  'TONLE_ERR_PKI_KEY_MISMATCH',
  'TONLE_ERR_PKI_PIN_REQUIRED',
  'TONLE_ERR_PKI_WRONG_PIN',
  'TONLE_ERR_PKI_PROFILE_FIELD_MISSING',
  'TONLE_ERR_PKI_PROFILE_INSTANCE_MISMATCH',
  'TONLE_ERR_PKI_REVOKED',
  'TONLE_ERR_PKI_OCSP_UNKNOWN_CERT',
  'TONLE_ERR_PKI_OCSP_NOT_SUCCESSFUL',
  'TONLE_ERR_PKI_OCSP_WRONG_CERT',
  'TONLE_ERR_PKI_OCSP_UNTRUSTED_RESPONDER',
  'TONLE_ERR_PKI_OCSP_NONCE_MISMATCH',
  'TONLE_ERR_PKI_OCSP_STALE',
  'TONLE_ERR_PKI_OCSP_NOT_YET_VALID',
  'TONLE_ERR_PKI_TSP_BAD_ALGORITHM',
  'TONLE_ERR_PKI_TSP_BAD_REQUEST',
  'TONLE_ERR_PKI_TSP_REJECTED',
  'TONLE_ERR_PKI_TSP_IMPRINT_MISMATCH',
  'TONLE_ERR_PKI_TSP_NONCE_MISMATCH',
  'TONLE_ERR_PKI_TSP_UNTRUSTED_TSA',
  'TONLE_ERR_PKI_JWS_INVALID',
  'TONLE_ERR_PKI_JWS_ALGORITHM_NOT_ALLOWED',
] as const;

/**
 * The union of {@link PKI_ERROR_CODES}; switch on it rather than on `instanceof` or message text.
 *
 * @example
 * ```ts
 * function isFreshnessProblem(code: PkiErrorCode): boolean {
 *   return code === 'TONLE_ERR_PKI_OCSP_STALE' || code === 'TONLE_ERR_PKI_OCSP_NOT_YET_VALID';
 * }
 * ```
 */
export type PkiErrorCode = (typeof PKI_ERROR_CODES)[number];

const BRAND = Symbol.for('tonle.pki.error');

/**
 * A coded failure of a PKI operation: a certificate that does not validate, an OCSP response that is
 * stale, a time-stamp over other data, DER that does not parse. Match on `code`.
 *
 * @example
 * ```ts
 * import { PkiError, validateCertificatePath } from '@tonle/pki';
 * try {
 *   validateCertificatePath({ certificate, intermediates: [], trustAnchors: [caDer], at: clock.now() });
 * } catch (e) {
 *   if (PkiError.is(e) && e.code === 'TONLE_ERR_PKI_CERT_EXPIRED') renewCertificate();
 *   else throw e;
 * }
 * ```
 */
export class PkiError extends Error {
  readonly code: PkiErrorCode;
  readonly [BRAND] = true;

  constructor(code: PkiErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PkiError';
    this.code = code;
  }

  /** True for any `PkiError`, also across duplicate installs of the package (brand, not `instanceof`). */
  static is(value: unknown): value is PkiError {
    return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
  }
}

/**
 * Runs a parser and turns anything it throws that is not already a `PkiError` into
 * `TONLE_ERR_PKI_MALFORMED`, so callers of a DER parser only ever see coded errors.
 */
export function parseGuard<T>(what: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (PkiError.is(e)) throw e;
    throw new PkiError('TONLE_ERR_PKI_MALFORMED', `${what} is not valid DER; pass the exact bytes you received`, {
      cause: e,
    });
  }
}
