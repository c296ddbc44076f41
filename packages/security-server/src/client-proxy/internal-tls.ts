import { writeFileAtomic } from '@tonle/durable-file';
import { X509Certificate, createHash, createPrivateKey } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodePem, encodePem, exportPrivateKeyPem, generateKeyPair, issueCertificate } from '@tonle/pki';
import type { Clock } from '@tonle/protocol';

/** X-Road's internal TLS certificate is valid for 7300 days (20 years) and pinned by the IS operator. */
const VALIDITY_MS = 7300 * 86_400_000;
export const INTERNAL_TLS_CERTIFICATE_FILE = 'internal-tls.crt';
export const INTERNAL_TLS_KEY_FILE = 'internal-tls.key';

/** The TLS identity of the client proxy's HTTPS port. */
export interface ClientProxyTlsIdentity {
  /** PEM: the certificate, then any chain. */
  readonly cert: string;
  /** PEM: the private key (PKCS#8). Never logged. */
  readonly key: string;
  readonly passphrase?: string;
  /** DER of the leaf certificate (what an IS operator downloads and pins). */
  readonly certificate: Uint8Array;
  /** SHA-256 hex of `certificate`. */
  readonly sha256: string;
}

/** The internal TLS files exist but cannot be used. */
export class InternalTlsError extends Error {
  readonly code = 'TONLE_ERR_CLIENTPROXY_INTERNAL_TLS';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InternalTlsError';
  }
}

/** Builds the identity from PEM text (operator-given files or the generated ones); checks the pair matches. */
export function clientProxyTlsIdentity(input: { cert: string; key: string; passphrase?: string }, source: string): ClientProxyTlsIdentity {
  let certificate: Uint8Array;
  try {
    certificate = decodePem(input.cert, 'CERTIFICATE');
    const x509 = new X509Certificate(certificate);
    const key = createPrivateKey(input.passphrase === undefined ? input.key : { key: input.key, passphrase: input.passphrase });
    if (!x509.checkPrivateKey(key)) throw new InternalTlsError(`${source}: the private key does not belong to the certificate`);
  } catch (error) {
    if (error instanceof InternalTlsError) throw error;
    throw new InternalTlsError(`${source}: cannot read a PEM certificate and its PKCS#8 private key; fix or remove the files`, { cause: error });
  }
  return {
    cert: input.cert,
    key: input.key,
    ...(input.passphrase === undefined ? {} : { passphrase: input.passphrase }),
    certificate,
    sha256: createHash('sha256').update(certificate).digest('hex'),
  };
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * The client proxy's internal TLS certificate (xroad-digest 5: separate from the authentication
 * certificate and self-signed): read from `dir` when it exists, otherwise generated once (P-256,
 * CN = `commonName`, 20 years) and written there (key mode 0600, each file written whole then renamed),
 * so the certificate information systems pinned stays the same across restarts.
 *
 * @example
 * const identity = await ensureInternalTlsCertificate({ dir: '/var/lib/tonle/internal-tls', clock: systemClock, commonName: 'ss1' });
 */
export async function ensureInternalTlsCertificate(input: { dir: string; clock: Clock; commonName: string; dnsNames?: readonly string[] }): Promise<ClientProxyTlsIdentity & { generated: boolean }> {
  const certPath = join(input.dir, INTERNAL_TLS_CERTIFICATE_FILE);
  const keyPath = join(input.dir, INTERNAL_TLS_KEY_FILE);
  const [cert, key] = await Promise.all([readIfExists(certPath), readIfExists(keyPath)]);
  if (cert !== undefined && key !== undefined) return { ...clientProxyTlsIdentity({ cert, key }, input.dir), generated: false };
  if (cert !== undefined || key !== undefined) {
    throw new InternalTlsError(`${input.dir}: only one of ${INTERNAL_TLS_CERTIFICATE_FILE} and ${INTERNAL_TLS_KEY_FILE} exists; restore the other, or remove both to generate a new certificate (information systems must then pin the new one)`);
  }
  const pair = await generateKeyPair('P-256');
  const now = input.clock.now();
  const der = await issueCertificate({
    publicKey: pair.publicKey,
    signingKey: pair.privateKey,
    subject: [{ type: 'CN', value: input.commonName }],
    notBefore: now - 60_000,
    notAfter: now + VALIDITY_MS,
    keyUsage: ['digitalSignature'],
    extendedKeyUsage: ['serverAuth'],
    dnsNames: input.dnsNames ?? ['localhost'],
  });
  const keyPem = exportPrivateKeyPem(pair.privateKey);
  const certPem = encodePem('CERTIFICATE', der);
  await mkdir(input.dir, { recursive: true, mode: 0o700 });
  // Key first: a crash in between leaves a key without a certificate, which is reported, never half a file.
  await writeFileAtomic(keyPath, keyPem, 0o600);
  await writeFileAtomic(certPath, certPem, 0o644);
  return { ...clientProxyTlsIdentity({ cert: certPem, key: keyPem }, input.dir), generated: true };
}
