import type { KeyObject } from 'node:crypto';
import { base64url } from 'jose';
import { PkiError } from '../errors/index.ts';
import { validateCertificatePath, type CertificateInfo, type KeyUsage } from '../certificates/index.ts';
import { verifySignature, type JwsAlgorithm, type Signer } from '../signer/index.ts';

/**
 * Inputs of {@link signCompactJws}.
 *
 * @example
 * ```ts
 * const options: SignCompactJwsOptions = { payload: '{"id":"m1"}', signer, header: { typ: 'tonle+jws' } };
 * const jws = await signCompactJws(options);
 * ```
 */
export interface SignCompactJwsOptions {
  readonly payload: Uint8Array | string;
  readonly signer: Signer;
  /** Extra protected header parameters (`typ`, `cty`, `kid`, ...); `alg`, `x5c`, `crit` and `b64` are set here only. */
  readonly header?: Readonly<Record<string, unknown>>;
  /** Put the signer's certificate chain into `x5c` (RFC 7515 §4.1.6). Default true when the chain is not empty. */
  readonly includeCertificateChain?: boolean;
}

/**
 * Inputs of {@link verifyCompactJws}: either an explicit `key`, or `trustAnchors` to validate the `x5c` chain.
 *
 * @example
 * ```ts
 * const options: VerifyCompactJwsOptions = { algorithms: ['ES256'], trustAnchors: approvedCaCerts, at: clock.now() };
 * const { payload } = verifyCompactJws(jws, options);
 * ```
 */
export interface VerifyCompactJwsOptions {
  /** Algorithms accepted (never take `alg` from the token without an allow-list, RFC 8725 §3.1). */
  readonly algorithms: readonly JwsAlgorithm[];
  /** Verify with this key and ignore `x5c`. */
  readonly key?: KeyObject;
  /** Approved CA certificates; the `x5c` leaf must chain to one of them at `at`. */
  readonly trustAnchors?: readonly Uint8Array[];
  /** The instant for certificate validity, epoch ms (inject `clock.now()`, or the signing time). */
  readonly at?: number;
  /** Key usages the `x5c` leaf must allow. */
  readonly requiredKeyUsage?: readonly KeyUsage[];
}

/**
 * A verified compact JWS.
 *
 * @example
 * ```ts
 * const { payload, signerCertificate }: VerifiedCompactJws = verifyCompactJws(jws, { algorithms: ['ES256'], key });
 * ```
 */
export interface VerifiedCompactJws {
  readonly payload: Uint8Array;
  readonly protectedHeader: Readonly<Record<string, unknown>>;
  readonly algorithm: JwsAlgorithm;
  /** The `x5c` chain as DER, leaf first (empty when the header has none). */
  readonly certificateChain: readonly Uint8Array[];
  /** The validated signer certificate when `trustAnchors` was used. */
  readonly signerCertificate?: CertificateInfo;
}

const RESERVED = new Set(['alg', 'x5c', 'crit', 'b64']);
const encoder = new TextEncoder();

/**
 * Produces a compact JWS (RFC 7515 §7.1) with the `Signer` (node:crypto on the hot path; jose verifies
 * the result, see the tests).
 *
 * @example
 * ```ts
 * import { signCompactJws } from '@tonle/pki';
 * const jws = await signCompactJws({ payload: JSON.stringify(body), signer, header: { typ: 'tonle-transport+jws' } });
 * ```
 */
export async function signCompactJws(options: SignCompactJwsOptions): Promise<string> {
  const { signer } = options;
  if (!signer || typeof signer.sign !== 'function') throw new TypeError('signCompactJws: signer must implement Signer');
  for (const k of Object.keys(options.header ?? {})) {
    if (RESERVED.has(k)) throw new TypeError(`signCompactJws: header parameter "${k}" is set by signCompactJws`);
  }
  const includeChain = options.includeCertificateChain ?? signer.certificateChain.length > 0;
  if (includeChain && signer.certificateChain.length === 0) throw new TypeError('signCompactJws: the signer has no certificate chain for x5c');
  const header = {
    ...options.header,
    alg: signer.algorithm,
    // RFC 7515 §4.1.6: x5c holds standard base64 (not base64url) DER.
    ...(includeChain ? { x5c: signer.certificateChain.map((c) => Buffer.from(c).toString('base64')) } : {}),
  };
  const payload = typeof options.payload === 'string' ? encoder.encode(options.payload) : options.payload;
  if (!(payload instanceof Uint8Array)) throw new TypeError('signCompactJws: payload must be a string or Uint8Array');
  const signingInput = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(payload)}`;
  const signature = await signer.sign(encoder.encode(signingInput));
  return `${signingInput}.${base64url.encode(signature)}`;
}

function invalid(message: string, cause?: unknown): PkiError {
  return new PkiError('TONLE_ERR_PKI_JWS_INVALID', message, cause === undefined ? undefined : { cause });
}

function decodeSegment(segment: string, what: string): Uint8Array {
  // RFC 7515 §2: base64url without padding; reject anything else rather than decode leniently.
  if (!/^[A-Za-z0-9_-]*$/.test(segment)) throw invalid(`the JWS ${what} is not base64url`);
  try {
    return base64url.decode(segment);
  } catch (e) {
    throw invalid(`the JWS ${what} is not base64url`, e);
  }
}

function decodeX5c(value: unknown): Uint8Array[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string' && /^[A-Za-z0-9+/]+={0,2}$/.test(v))) {
    throw invalid('x5c must be a non-empty array of base64 DER certificates (RFC 7515 §4.1.6)');
  }
  return value.map((v: string) => new Uint8Array(Buffer.from(v, 'base64')));
}

/**
 * Verifies a compact JWS with node:crypto: the algorithm must be in `algorithms`, the header must not
 * carry `crit` or `b64` (RFC 7515 §4.1.11, RFC 7797 — we understand neither), and the signature must verify
 * with `key` or with the `x5c` leaf after validating its chain against `trustAnchors` at `at`.
 *
 * Errors: `TONLE_ERR_PKI_JWS_INVALID`, `_JWS_ALGORITHM_NOT_ALLOWED`, `_BAD_SIGNATURE`, and the path
 * validation codes (`_CERT_EXPIRED`, `_UNTRUSTED_ISSUER`, ...).
 *
 * @example
 * ```ts
 * import { verifyCompactJws } from '@tonle/pki';
 * const { payload, signerCertificate } = verifyCompactJws(jws, {
 *   algorithms: ['ES256', 'PS256'], trustAnchors: approvedCaCerts, at: clock.now(),
 * });
 * ```
 */
export function verifyCompactJws(jws: string, options: VerifyCompactJwsOptions): VerifiedCompactJws {
  if (typeof jws !== 'string') throw new TypeError('verifyCompactJws: jws must be a string');
  if (!Array.isArray(options.algorithms) || options.algorithms.length === 0) {
    throw new TypeError('verifyCompactJws: give a non-empty algorithms allow-list');
  }
  if ((options.key === undefined) === (options.trustAnchors === undefined)) {
    throw new TypeError('verifyCompactJws: give exactly one of key or trustAnchors');
  }
  if (options.trustAnchors !== undefined && !Number.isFinite(options.at)) {
    throw new TypeError('verifyCompactJws: trustAnchors needs at (epoch ms)');
  }
  const parts = jws.split('.');
  if (parts.length !== 3) throw invalid('a compact JWS has three dot-separated parts');
  const [h, p, s] = parts as [string, string, string];
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(decodeSegment(h, 'header')));
  } catch (e) {
    if (PkiError.is(e)) throw e;
    throw invalid('the JWS protected header is not JSON', e);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw invalid('the JWS protected header must be a JSON object');
  const protectedHeader = header as Record<string, unknown>;
  if ('crit' in protectedHeader || 'b64' in protectedHeader) throw invalid('JWS headers with crit or b64 are not supported');
  const alg = protectedHeader['alg'];
  if (typeof alg !== 'string' || !options.algorithms.includes(alg as JwsAlgorithm)) {
    throw new PkiError('TONLE_ERR_PKI_JWS_ALGORITHM_NOT_ALLOWED', `JWS algorithm ${String(alg)} is not allowed here; allowed: ${options.algorithms.join(', ')}`);
  }
  const algorithm = alg as JwsAlgorithm;
  const payload = decodeSegment(p, 'payload');
  const signature = decodeSegment(s, 'signature');
  const certificateChain = decodeX5c(protectedHeader['x5c']);
  let key = options.key;
  let signerCertificate: CertificateInfo | undefined;
  if (options.trustAnchors !== undefined) {
    if (certificateChain.length === 0) throw invalid('the JWS has no x5c certificate chain to verify against the trust anchors');
    const path = validateCertificatePath({
      certificate: certificateChain[0] as Uint8Array,
      intermediates: certificateChain.slice(1),
      trustAnchors: options.trustAnchors,
      at: options.at as number,
      ...(options.requiredKeyUsage ? { requiredKeyUsage: options.requiredKeyUsage } : {}),
    });
    signerCertificate = path.chain[0] as CertificateInfo;
    key = signerCertificate.publicKey;
  }
  const ok = verifySignature({ algorithm, publicKey: key as KeyObject, data: encoder.encode(`${h}.${p}`), signature });
  if (!ok) throw new PkiError('TONLE_ERR_PKI_BAD_SIGNATURE', 'the JWS signature does not verify');
  return Object.freeze({
    payload,
    protectedHeader: Object.freeze(protectedHeader),
    algorithm,
    certificateChain: Object.freeze(certificateChain),
    ...(signerCertificate ? { signerCertificate } : {}),
  });
}
