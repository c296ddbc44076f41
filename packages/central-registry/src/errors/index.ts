/** Internal error codes of the central registry, with the HTTP status the admin and public APIs answer. */
export const registryErrorStatus = {
  TONLE_ERR_REGISTRY_VALIDATION: 400,
  TONLE_ERR_REGISTRY_UNKNOWN_MEMBER_CLASS: 400,
  TONLE_ERR_REGISTRY_BAD_IDENTIFIER: 400,
  TONLE_ERR_REGISTRY_BODY_TOO_LARGE: 413,
  TONLE_ERR_REGISTRY_UNAUTHENTICATED: 401,
  TONLE_ERR_REGISTRY_FORBIDDEN: 403,
  TONLE_ERR_REGISTRY_NOT_FOUND: 404,
  TONLE_ERR_REGISTRY_DUPLICATE: 409,
  TONLE_ERR_REGISTRY_CONFLICT: 409,
  TONLE_ERR_REGISTRY_BAD_STATE: 409,
  TONLE_ERR_REGISTRY_BAD_SIGNATURE: 400,
  TONLE_ERR_REGISTRY_UNTRUSTED_CERT: 400,
  TONLE_ERR_REGISTRY_CERT_REVOKED: 400,
  TONLE_ERR_REGISTRY_OCSP_INVALID: 400,
  TONLE_ERR_REGISTRY_WRONG_SIGNER: 403,
  TONLE_ERR_REGISTRY_REPLAYED: 409,
  TONLE_ERR_REGISTRY_STALE_REQUEST: 400,
  TONLE_ERR_REGISTRY_STORE_CORRUPT: 500,
  TONLE_ERR_REGISTRY_STORE_UNAVAILABLE: 503,
  TONLE_ERR_REGISTRY_NOT_INITIALIZED: 503,
  TONLE_ERR_REGISTRY_CONFIG_INVALID: 500,
  TONLE_ERR_REGISTRY_INTERNAL: 500,
  TONLE_ERR_REGISTRY_SIGNING_KEY_UNAVAILABLE: 503,
} as const;

export type RegistryErrorCode = keyof typeof registryErrorStatus;

/** Every refusal of the registry: a code from {@link registryErrorStatus} and a message saying how to fix it. */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  readonly code: RegistryErrorCode;
  readonly status: number;
  readonly details: readonly string[];

  constructor(code: RegistryErrorCode, message: string, options: { details?: readonly string[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = registryErrorStatus[code];
    this.details = options.details ?? [];
  }
}

export function isRegistryError(value: unknown): value is RegistryError {
  return value instanceof RegistryError;
}
