export type AccessControlErrorCode =
  | 'TONLE_ERR_ACL_PATH_INVALID'
  | 'TONLE_ERR_ACL_PATH_ENCODED_SEPARATOR'
  | 'TONLE_ERR_ACL_PATH_NUL'
  | 'TONLE_ERR_ACL_PATH_ESCAPES_ROOT'
  | 'TONLE_ERR_ACL_GLOB_INVALID'
  | 'TONLE_ERR_ACL_METHOD_INVALID';

/** A service path or endpoint pattern that cannot be matched safely; the proxy answers with a Client fault. */
export class AccessControlError extends Error {
  readonly code: AccessControlErrorCode;
  constructor(code: AccessControlErrorCode, message: string) {
    super(message);
    this.name = 'AccessControlError';
    this.code = code;
  }
}
