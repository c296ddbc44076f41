/** keys: signing and authentication keys, CSRs and certificates over the software token (xroad-digest §5). */
export { KeysError, type KeysErrorCode } from './errors.ts';
export {
  createKeyManager,
  csrPem,
  CERTIFICATE_STATUSES,
  type CertificateRecord,
  type CertificateStatus,
  type CertificateStatusChecker,
  type CsrRecord,
  type ExpiryWarning,
  type KeyManager,
  type KeyManagerOptions,
  type KeyRecord,
  type KeySigner,
  type KeyUsage,
  type OcspStatus,
} from './key-manager.ts';
export { createOcspStatusChecker } from './ocsp-checker.ts';
