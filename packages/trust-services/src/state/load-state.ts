import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { decodePem, loadPrivateKey, parseCertificate, PkiError } from '@tonle/pki';
import { TrustServiceError } from '../errors/index.ts';
import { stateLayout, type ServiceName, type TrustMetadata } from './layout.ts';

/** A certificate with the private key that signs as it. */
export interface ServiceIdentity {
  readonly certificate: Uint8Array;
  readonly privateKey: KeyObject;
}

/**
 * Reads a secret (PIN, API key) from a file: the whole content without the trailing newline. Secrets
 * are passed by file reference so they never appear in config files, argv or the environment.
 */
export async function readSecretFile(path: string, what: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new TrustServiceError('TONLE_ERR_TRUST_STATE_MISSING', `Cannot read the ${what} file ${path}; create it or run \`tonle trust init\`.`, { cause: e });
  }
  const secret = text.replace(/\r?\n$/, '');
  if (secret.length === 0) throw new TrustServiceError('TONLE_ERR_TRUST_STATE_CORRUPT', `The ${what} file ${path} is empty.`);
  return secret;
}

/** Reads `trust.json` of a state directory. */
export async function readTrustMetadata(stateDir: string): Promise<TrustMetadata> {
  const path = stateLayout(stateDir).metadata;
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new TrustServiceError('TONLE_ERR_TRUST_STATE_MISSING', `${path} is missing or not JSON; run \`tonle trust init --dir ${stateDir}\` first.`, { cause: e });
  }
  const r = raw as Partial<Record<keyof TrustMetadata, unknown>>;
  if (typeof r.instanceIdentifier !== 'string' || typeof r.createdAt !== 'number' || typeof r.ocspUrl !== 'string') {
    throw new TrustServiceError('TONLE_ERR_TRUST_STATE_CORRUPT', `${path} lacks instanceIdentifier/createdAt/ocspUrl; re-create the state directory.`);
  }
  return Object.freeze({ instanceIdentifier: r.instanceIdentifier, createdAt: r.createdAt, ocspUrl: r.ocspUrl });
}

/** Reads the certificate (DER) of one service from a state directory. */
export async function readServiceCertificate(stateDir: string, service: ServiceName): Promise<Uint8Array> {
  const path = stateLayout(stateDir).certificate(service);
  const pem = await readStateFile(stateDir, path);
  try {
    const der = decodePem(pem, 'CERTIFICATE');
    parseCertificate(der);
    return der;
  } catch (e) {
    throw new TrustServiceError('TONLE_ERR_TRUST_STATE_CORRUPT', `${path} is not a PEM certificate.`, { cause: e });
  }
}

/** Loads the certificate and decrypts the private key of one service with its PIN. */
export async function loadServiceIdentity(stateDir: string, service: ServiceName, pin: string): Promise<ServiceIdentity> {
  const certificate = await readServiceCertificate(stateDir, service);
  const keyPath = stateLayout(stateDir).privateKey(service);
  const pem = await readStateFile(stateDir, keyPath);
  try {
    return Object.freeze({ certificate, privateKey: loadPrivateKey(pem, { pin }) });
  } catch (e) {
    const wrongPin = PkiError.is(e) && (e.code === 'TONLE_ERR_PKI_WRONG_PIN' || e.code === 'TONLE_ERR_PKI_PIN_REQUIRED');
    throw new TrustServiceError('TONLE_ERR_TRUST_STATE_CORRUPT', wrongPin ? `Wrong PIN for ${keyPath}; check keyPinFile.` : `${keyPath} is not a PKCS#8 key.`, { cause: e });
  }
}

async function readStateFile(stateDir: string, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new TrustServiceError('TONLE_ERR_TRUST_STATE_MISSING', `${path} is missing; run \`tonle trust init --dir ${stateDir}\` first.`, { cause: e });
  }
}
