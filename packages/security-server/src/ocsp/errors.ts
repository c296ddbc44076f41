export type OcspErrorCode =
  | 'TONLE_ERR_OCSP_UNKNOWN_ISSUER'
  | 'TONLE_ERR_OCSP_NO_RESPONDER'
  | 'TONLE_ERR_OCSP_FETCH_FAILED'
  | 'TONLE_ERR_OCSP_INVALID_RESPONSE'
  | 'TONLE_ERR_OCSP_NOT_GOOD'
  | 'TONLE_ERR_OCSP_CERT_UNUSABLE'
  | 'TONLE_ERR_OCSP_CACHE_FAILED';

/**
 * Why a certificate's OCSP status cannot be used. `pkiCode` carries the underlying `TONLE_ERR_PKI_*` code when
 * the response itself was refused (stale, wrong certificate, bad signature, untrusted responder ...).
 */
export class OcspError extends Error {
  readonly code: OcspErrorCode;
  readonly pkiCode: string | undefined;
  constructor(code: OcspErrorCode, message: string, options: { cause?: unknown; pkiCode?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OcspError';
    this.code = code;
    this.pkiCode = options.pkiCode;
  }
}
