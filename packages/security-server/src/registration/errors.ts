export type RegistrationErrorCode =
  | 'TONLE_ERR_REGISTRATION_INVALID_REQUEST'
  | 'TONLE_ERR_REGISTRATION_NO_SIGNING_CERTIFICATE'
  | 'TONLE_ERR_REGISTRATION_UNREACHABLE'
  | 'TONLE_ERR_REGISTRATION_REFUSED';

/** A management request that could not be built, sent, or was refused by the central registry. */
export class RegistrationError extends Error {
  readonly code: RegistrationErrorCode;
  /** For REFUSED: the registry's HTTP status and its error code (`TONLE_ERR_REGISTRY_*`), when it sent one. */
  readonly status: number | undefined;
  readonly registryCode: string | undefined;
  constructor(code: RegistrationErrorCode, message: string, options: { cause?: unknown; status?: number; registryCode?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RegistrationError';
    this.code = code;
    this.status = options.status;
    this.registryCode = options.registryCode;
  }
}
