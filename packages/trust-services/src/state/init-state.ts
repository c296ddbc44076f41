import { randomBytes } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import type { Clock } from '@tonle/protocol';
import { encodePem, exportPrivateKeyPem, generateKeyPair, issueCertificate, OID, type IssueCertificateOptions, type KeyPair, type KeySpec } from '@tonle/pki';
import { TrustServiceError } from '../errors/index.ts';
import { createFileAtomic, writeFileAtomic } from '@tonle/durable-file';
import { readSecretFile } from './load-state.ts';
import { stateLayout, type TrustMetadata } from './layout.ts';

const DAY = 86_400_000;
// Certificates start a little in the past so peers with a slightly slow clock accept them at once.
const BACKDATE = 5 * 60_000;

/** Options of {@link initTrustState}. */
export interface InitTrustStateOptions {
  readonly stateDir: string;
  /** X-Road instance the CA certifies members of, e.g. `EE` or `DEV`. */
  readonly instanceIdentifier: string;
  /** OCSP URL written into issued certificates unless the CA config overrides it. */
  readonly ocspUrl: string;
  readonly clock: Clock;
  /** Key type of the CA, OCSP and TSA keys; default P-256. */
  readonly keySpec?: KeySpec;
  /** PIN that encrypts the three keys; default: an existing `secrets/key-pin`, else a random one. */
  readonly pin?: string;
  /** Admin API key; default: an existing `secrets/admin-api-key`, else a random one. */
  readonly apiKey?: string;
  /** Subject common name of the root CA. */
  readonly caName?: string;
  readonly caValidityDays?: number;
}

/** What {@link initTrustState} created (certificates as DER; no secrets). */
export interface InitializedTrustState {
  readonly stateDir: string;
  readonly caCertificate: Uint8Array;
  readonly ocspCertificate: Uint8Array;
  readonly tsaCertificate: Uint8Array;
  readonly keyPinFile: string;
  readonly apiKeyFile: string;
}

/**
 * Creates a fresh trust-services state directory: a self-signed root CA, a delegated OCSP responder
 * certificate (EKU OCSPSigning + id-pkix-ocsp-nocheck, RFC 6960 §4.2.2.2) and a TSA certificate
 * (critical EKU timeStamping, RFC 3161 §2.3), all issued by the CA, with PIN-encrypted PKCS#8 keys and
 * the admin API key in `secrets/` (mode 0600). Refuses (`STATE_EXISTS`) to overwrite an existing PKI.
 */
export async function initTrustState(options: InitTrustStateOptions): Promise<InitializedTrustState> {
  const layout = stateLayout(options.stateDir);
  if (await exists(layout.metadata)) {
    throw new TrustServiceError('TONLE_ERR_TRUST_STATE_EXISTS', `${options.stateDir} already holds a PKI; choose an empty directory (its keys are never overwritten).`);
  }
  await mkdir(options.stateDir, { recursive: true });
  await mkdir(layout.secretsDir, { mode: 0o700 });
  const pin = options.pin ?? (await existingOrNew(layout.keyPin, 'key PIN'));
  const apiKey = options.apiKey ?? (await existingOrNew(layout.apiKey, 'admin API key'));
  await writeFileAtomic(layout.keyPin, `${pin}\n`, 0o600);
  await writeFileAtomic(layout.apiKey, `${apiKey}\n`, 0o600);

  const spec = options.keySpec ?? 'P-256';
  const now = options.clock.now();
  const notBefore = now - BACKDATE;
  const caNotAfter = now + (options.caValidityDays ?? 3650) * DAY;
  const ca = await generateKeyPair(spec);
  const caCertificate = await issueCertificate({
    publicKey: ca.publicKey,
    signingKey: ca.privateKey,
    subject: [
      { type: 'O', value: 'Tonle trust services' },
      { type: 'CN', value: options.caName ?? `Tonle ${options.instanceIdentifier} Root CA` },
    ],
    notBefore,
    notAfter: caNotAfter,
    keyUsage: ['digitalSignature', 'keyCertSign', 'cRLSign'],
    basicConstraints: { ca: true },
  });

  // The responder and the TSA are end entities of the CA with one purpose each.
  const delegate = async (what: string, years: number, extra: Partial<IssueCertificateOptions>): Promise<{ keys: KeyPair; certificate: Uint8Array }> => {
    const keys = await generateKeyPair(spec);
    const certificate = await issueCertificate({
      publicKey: keys.publicKey,
      signingKey: ca.privateKey,
      issuerCertificate: caCertificate,
      subject: [
        { type: 'O', value: 'Tonle trust services' },
        { type: 'CN', value: `Tonle ${options.instanceIdentifier} ${what}` },
      ],
      notBefore,
      notAfter: Math.min(caNotAfter, now + years * 365 * DAY),
      basicConstraints: { ca: false },
      ...extra,
    });
    return { keys, certificate };
  };
  const { keys: ocsp, certificate: ocspCertificate } = await delegate('OCSP Responder', 2, {
    keyUsage: ['digitalSignature'],
    extendedKeyUsage: [OID.ekuOcspSigning],
    ocspNoCheck: true,
  });
  const { keys: tsa, certificate: tsaCertificate } = await delegate('Time-Stamping Authority', 5, {
    keyUsage: ['digitalSignature', 'nonRepudiation'],
    extendedKeyUsage: [OID.ekuTimeStamping],
    extendedKeyUsageCritical: true,
  });

  for (const [service, certificate, key] of [
    ['ca', caCertificate, ca.privateKey],
    ['ocsp', ocspCertificate, ocsp.privateKey],
    ['tsa', tsaCertificate, tsa.privateKey],
  ] as const) {
    await createFileAtomic(layout.privateKey(service), exportPrivateKeyPem(key, { pin }), 0o600);
    await createFileAtomic(layout.certificate(service), encodePem('CERTIFICATE', certificate));
  }
  await mkdir(layout.issuedDir, { recursive: true });
  const metadata: TrustMetadata = { instanceIdentifier: options.instanceIdentifier, createdAt: now, ocspUrl: options.ocspUrl };
  // Written last: its presence marks a complete state directory.
  await createFileAtomic(layout.metadata, `${JSON.stringify(metadata, null, 2)}\n`);
  return Object.freeze({
    stateDir: options.stateDir,
    caCertificate,
    ocspCertificate,
    tsaCertificate,
    keyPinFile: layout.keyPin,
    apiKeyFile: layout.apiKey,
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function existingOrNew(path: string, what: string): Promise<string> {
  if (await exists(path)) return readSecretFile(path, what);
  return randomBytes(24).toString('base64url');
}
