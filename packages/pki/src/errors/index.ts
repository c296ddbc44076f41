export { PkiError, PKI_ERROR_CODES, parseGuard, type PkiErrorCode } from './pki-error.ts';
