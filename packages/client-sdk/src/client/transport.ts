import { TransportError, TransportErrorCode } from '../errors/index.ts';

/** System and undici error codes that mean no connection was made, so the request was never sent. */
const CONNECT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function isTlsHandshakeError(code: string): boolean {
  // Node's TLS and OpenSSL verification errors: the handshake failed, so no HTTP byte was sent.
  return (
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_SSL_') ||
    code.startsWith('CERT_') ||
    code.startsWith('UNABLE_TO_') ||
    code === 'DEPTH_ZERO_SELF_SIGNED_CERT' ||
    code === 'SELF_SIGNED_CERT_IN_CHAIN' ||
    code === 'HOSTNAME_MISMATCH'
  );
}

/** Whether an error happened before any byte of the request could reach the security server. */
export function isConnectError(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && (CONNECT_CODES.has(code) || isTlsHandshakeError(code));
}

/** Maps a low-level failure to a TransportError (TransportErrors pass through). */
export function transportErrorFrom(error: unknown, during: string): TransportError {
  if (error instanceof TransportError) return error;
  const code = errorCode(error) ?? 'unknown';
  if (code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT') {
    return new TransportError(TransportErrorCode.Timeout, `Timed out ${during}; raise timeoutMs if the service is slow`, { cause: error });
  }
  if (code === 'UND_ERR_ABORTED' || code === 'ABORT_ERR' || (error as { name?: unknown } | null)?.name === 'AbortError') {
    return new TransportError(TransportErrorCode.Aborted, `The call was aborted while ${during}`, { cause: error });
  }
  if (isConnectError(error)) {
    return new TransportError(
      TransportErrorCode.Connect,
      `Could not connect to the security server (${code}); check the securityServer URL, that it runs, and its TLS settings`,
      { cause: error },
    );
  }
  return new TransportError(TransportErrorCode.Network, `The connection to the security server failed while ${during} (${code})`, {
    cause: error,
  });
}
