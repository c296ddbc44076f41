import { X509Certificate, sign as cryptoSign, constants, type KeyObject } from 'node:crypto';
import { checkAlgorithmFitsKey, verifyJwsSignature } from '../signer/index.ts';

/** The JWS algorithms Tonle transport v1 accepts (architecture §4). */
export type TransportAlgorithm = 'ES256' | 'ES384' | 'PS256' | 'RS256' | 'EdDSA';

export const TRANSPORT_ALGORITHMS: readonly TransportAlgorithm[] = ['ES256', 'ES384', 'PS256', 'RS256', 'EdDSA'];

/** The `typ` of every transport JWS (RFC 7515 §4.1.9). */
export const JWS_TYPE = 'tonle-transport+jws';

/** Same shape as `@tonle/pki`'s `Signer`: signs bytes, returns a JWS-ready signature (ECDSA as r||s). */
export interface BytesSigner {
  readonly algorithm: TransportAlgorithm;
  readonly certificateChain: readonly Uint8Array[];
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/** A transport JWS failed to parse or verify; `reason` says which check. */
export class JwsError extends Error {
  readonly code = 'TONLE_ERR_TRANSPORT_JWS';
  readonly reason: 'malformed' | 'algorithm' | 'signature';
  constructor(reason: 'malformed' | 'algorithm' | 'signature', message: string) {
    super(message);
    this.name = 'JwsError';
    this.reason = reason;
  }
}

export function b64url(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64url');
}

function hashFor(alg: TransportAlgorithm): string | null {
  if (alg === 'EdDSA') return null;
  return alg === 'ES384' ? 'sha384' : 'sha256';
}

function fits(alg: TransportAlgorithm, key: KeyObject): boolean {
  try {
    checkAlgorithmFitsKey(alg, key);
    return true;
  } catch {
    return false;
  }
}

/**
 * A {@link BytesSigner} over a node:crypto private key: the hot path signs with KeyObjects, not WebCrypto
 * (architecture §5: jose costs 1.4-3.4x the CPU).
 */
export function createKeyObjectSigner(input: {
  privateKey: KeyObject;
  certificateChain: readonly Uint8Array[];
  algorithm: TransportAlgorithm;
}): BytesSigner {
  const { privateKey, algorithm } = input;
  if (privateKey.type !== 'private') throw new TypeError('createKeyObjectSigner: privateKey must be a private KeyObject');
  if (!fits(algorithm, privateKey)) {
    throw new TypeError(`createKeyObjectSigner: a ${privateKey.asymmetricKeyType} key cannot sign ${algorithm}; pick the algorithm that matches the key`);
  }
  if (input.certificateChain.length === 0) throw new TypeError('createKeyObjectSigner: certificateChain needs at least the signing certificate');
  // Asynchronous node:crypto signing runs on the libuv pool, so RSA-3072 signing does not block the event loop.
  const params =
    algorithm === 'PS256'
      ? { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
      : algorithm === 'ES256' || algorithm === 'ES384'
        ? { key: privateKey, dsaEncoding: 'ieee-p1363' as const }
        : { key: privateKey };
  const hash = hashFor(algorithm);
  return {
    algorithm,
    certificateChain: input.certificateChain,
    sign: (data) =>
      new Promise((resolve, reject) => {
        cryptoSign(hash, data, params, (error, sig) => (error ? reject(error) : resolve(new Uint8Array(sig))));
      }),
  };
}

/** The JOSE protected header of a transport JWS. */
export interface TransportJwsHeader {
  readonly alg: TransportAlgorithm;
  readonly typ: typeof JWS_TYPE;
  /** RFC 7515 §4.1.6: the signing certificate first, then its chain, standard base64 DER. */
  readonly x5c: readonly string[];
}

/** The exact bytes a signer signs: `BASE64URL(header) || '.' || BASE64URL(payload)` (RFC 7515 §5.1). */
export function signingInput(header: TransportJwsHeader, payload: Uint8Array): string {
  let h = encodedHeaders.get(header);
  if (h === undefined) {
    // Fixed key order: alg, typ, x5c, so equal inputs give equal bytes (docs/protocol.md "JWS").
    h = Buffer.from(JSON.stringify({ alg: header.alg, typ: header.typ, x5c: header.x5c }), 'utf8').toString('base64url');
    encodedHeaders.set(header, h);
  }
  return `${h}.${b64url(payload)}`;
}

/** Encoded protected headers (about 4 KiB with the x5c chain) by header object: built once per signer. */
const encodedHeaders = new WeakMap<TransportJwsHeader, string>();
/** Headers by certificate chain and algorithm: a signer's chain is one array for as long as its certificate holds. */
const headers = new WeakMap<readonly Uint8Array[], Map<TransportAlgorithm, TransportJwsHeader>>();

export function headerFor(signer: Pick<BytesSigner, 'algorithm' | 'certificateChain'>): TransportJwsHeader {
  let byAlgorithm = headers.get(signer.certificateChain);
  if (byAlgorithm === undefined) {
    byAlgorithm = new Map();
    headers.set(signer.certificateChain, byAlgorithm);
  }
  let header = byAlgorithm.get(signer.algorithm);
  if (header === undefined) {
    header = Object.freeze({
      alg: signer.algorithm,
      typ: JWS_TYPE,
      x5c: Object.freeze(signer.certificateChain.map((der) => Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64'))),
    });
    byAlgorithm.set(signer.algorithm, header);
  }
  return header;
}

/** Signs `payload` as a compact JWS with `x5c`. */
export async function signCompact(signer: BytesSigner, payload: Uint8Array): Promise<string> {
  const input = signingInput(headerFor(signer), payload);
  const sig = await signer.sign(Buffer.from(input, 'ascii'));
  return `${input}.${b64url(sig)}`;
}

/** A JWS whose signature verified against the public key of its first `x5c` certificate. */
export interface VerifiedJws {
  readonly header: TransportJwsHeader;
  readonly payload: Uint8Array;
  /** DER certificates from `x5c`, signing certificate first. Not yet checked against any trust anchor. */
  readonly chain: readonly Uint8Array[];
}

const B64URL = /^[A-Za-z0-9_-]*$/;
const verifiedKeys = new Map<string, KeyObject>();

function publicKeyOf(x5c0: string): KeyObject {
  let key = verifiedKeys.get(x5c0);
  if (key === undefined) {
    key = new X509Certificate(Buffer.from(x5c0, 'base64')).publicKey;
    // Small bounded cache: peers reuse one signing certificate for many messages.
    if (verifiedKeys.size > 256) verifiedKeys.clear();
    verifiedKeys.set(x5c0, key);
  }
  return key;
}

/**
 * Parses and verifies a compact transport JWS: the algorithm must be allowed and fit the key of the
 * first `x5c` certificate, and the signature must verify. Does NOT decide whether that certificate is
 * trusted: the caller checks the chain, OCSP and the signer's identity.
 *
 * With `remember` (a batch signature, which every message of its batch carries), the result is kept and
 * served again to the very same JWS: a batch is verified once (architecture §5). A single message's JWS
 * is never seen twice, so keeping it would only hold ~5 KiB per message in memory.
 */
export function verifyCompact(jws: string, allowed: readonly TransportAlgorithm[] = TRANSPORT_ALGORITHMS, options: { readonly remember?: boolean } = {}): VerifiedJws {
  // Keyed by the signature segment (short to hash; a JWS with its x5c header is ~5 KiB).
  const signature = jws.slice(jws.lastIndexOf('.') + 1);
  const hit = verified.get(signature);
  if (hit !== undefined && hit.jws === jws && (allowed as readonly string[]).includes(hit.result.header.alg)) return hit.result;
  const result = verifyUncached(jws, allowed);
  if (options.remember !== true) return result;
  if (verified.size >= 1024) verified.delete(verified.keys().next().value as string);
  verified.set(signature, { jws, result });
  return result;
}

const verified = new Map<string, { readonly jws: string; readonly result: VerifiedJws }>();

interface ParsedHeader {
  readonly header: TransportJwsHeader;
  readonly key: KeyObject;
  readonly chain: readonly Uint8Array[];
}

/**
 * Parsed protected headers by their encoded segment. Every message of one signer carries the same header
 * (algorithm, type, the whole x5c chain: about 3 KiB), so it is decoded and its key parsed once, not per
 * message. Only headers that passed every check are kept; the signature is still verified per JWS.
 */
const parsedHeaders = new Map<string, ParsedHeader>();

function parseHeader(h: string): ParsedHeader {
  const hit = parsedHeaders.get(h);
  if (hit !== undefined) return hit;
  if (!B64URL.test(h)) throw new JwsError('malformed', 'The JWS is not in compact serialization');
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
  } catch {
    throw new JwsError('malformed', 'The JWS protected header is not JSON');
  }
  if (header === null || typeof header !== 'object') throw new JwsError('malformed', 'The JWS protected header is not an object');
  const { alg, typ, x5c, crit } = header as Record<string, unknown>;
  if (crit !== undefined) throw new JwsError('malformed', 'The JWS has a crit header this implementation does not understand');
  if (typ !== JWS_TYPE) throw new JwsError('malformed', `The JWS typ must be ${JWS_TYPE}`);
  if (typeof alg !== 'string' || !(TRANSPORT_ALGORITHMS as readonly string[]).includes(alg)) throw new JwsError('algorithm', 'The JWS algorithm is not allowed');
  if (!Array.isArray(x5c) || x5c.length === 0 || x5c.length > 8 || !x5c.every((c) => typeof c === 'string' && c.length > 0)) {
    throw new JwsError('malformed', 'The JWS x5c header must list the signing certificate chain');
  }
  const algorithm = alg as TransportAlgorithm;
  let key: KeyObject;
  try {
    key = publicKeyOf(x5c[0] as string);
  } catch {
    throw new JwsError('malformed', 'The first x5c certificate cannot be parsed');
  }
  if (!fits(algorithm, key)) throw new JwsError('algorithm', 'The JWS algorithm does not fit the signing certificate key');
  const parsed: ParsedHeader = {
    header: { alg: algorithm, typ: JWS_TYPE, x5c: x5c as string[] },
    key,
    chain: (x5c as string[]).map((c) => new Uint8Array(Buffer.from(c, 'base64'))),
  };
  if (parsedHeaders.size >= 256) parsedHeaders.delete(parsedHeaders.keys().next().value as string);
  parsedHeaders.set(h, parsed);
  return parsed;
}

function verifyUncached(jws: string, allowed: readonly TransportAlgorithm[]): VerifiedJws {
  const first = jws.indexOf('.');
  const second = first < 0 ? -1 : jws.indexOf('.', first + 1);
  if (first < 0 || second < 0 || jws.indexOf('.', second + 1) >= 0) throw new JwsError('malformed', 'The JWS is not in compact serialization');
  const h = jws.slice(0, first);
  const p = jws.slice(first + 1, second);
  const s = jws.slice(second + 1);
  if (!B64URL.test(p) || !B64URL.test(s)) throw new JwsError('malformed', 'The JWS is not in compact serialization');
  const { header, key, chain } = parseHeader(h);
  if (!(allowed as readonly string[]).includes(header.alg)) throw new JwsError('algorithm', 'The JWS algorithm is not allowed');
  const ok = verifyJwsSignature(header.alg, Buffer.from(jws.slice(0, second), 'ascii'), Buffer.from(s, 'base64url'), key);
  if (!ok) throw new JwsError('signature', 'The JWS signature does not verify');
  return { header, payload: new Uint8Array(Buffer.from(p, 'base64url')), chain };
}
