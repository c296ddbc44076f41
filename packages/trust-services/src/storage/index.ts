export {
  createFileCertificateStore,
  normalizeSerial,
  revocationReasons,
  type CertificateProfileKind,
  type CertificateStore,
  type IssuedCertificate,
  type RevocationReason,
} from './certificate-store.ts';
export { createFileSerialCounter, type SerialCounter } from './serial-counter.ts';
