import { PkiError, parseCertificate, type CertificateInfo } from '@tonle/pki';
import { RegistryError } from '../errors/index.ts';

/** Accepts PEM text or standard base64 DER, as operators paste certificates either way. */
export function readCertificate(input: string, what: string): CertificateInfo {
  const text = input.trim();
  try {
    if (text.startsWith('-----BEGIN')) return parseCertificate(text);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) throw new RegistryError('TONLE_ERR_REGISTRY_VALIDATION', `${what} must be PEM or base64 DER.`);
    return parseCertificate(new Uint8Array(Buffer.from(text, 'base64')));
  } catch (error) {
    if (error instanceof PkiError) throw new RegistryError('TONLE_ERR_REGISTRY_VALIDATION', `${what} is not a valid X.509 certificate (${error.code}).`, { cause: error });
    throw error;
  }
}

/** Base64 DER of a parsed certificate: the form the global configuration carries. */
export function base64Of(cert: CertificateInfo): string {
  return Buffer.from(cert.der).toString('base64');
}

/** Reads a CA certificate and refuses one that cannot issue (RFC 5280 §4.2.1.9 cA flag). */
export function readCaCertificate(input: string, what: string): string {
  const cert = readCertificate(input, what);
  if (cert.basicConstraints?.ca !== true) throw new RegistryError('TONLE_ERR_REGISTRY_VALIDATION', `${what} is not a CA certificate (basicConstraints cA is not set).`);
  return base64Of(cert);
}
