import { base64url, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import type { Clock } from '../clock/index.ts';
import { anchorKeys, validateGlobalConfiguration } from './document.ts';
import { GlobalConfError } from './errors.ts';
import { deepFreeze } from './schema.ts';
import type { ConfigurationAnchor, GlobalConfAlgorithm, GlobalConfTrust, VerificationKey, VerifiedGlobalConfiguration } from './types.ts';

/**
 * The `typ` header every Tonle global configuration JWS carries, so no other JWS is mistaken for one.
 *
 * @example
 * ```ts
 * decodeProtectedHeader(jws).typ === GLOBAL_CONF_JWS_TYPE; // 'tonle-globalconf+jwt'
 * ```
 */
export const GLOBAL_CONF_JWS_TYPE = 'tonle-globalconf+jwt';

const ALGORITHMS: readonly GlobalConfAlgorithm[] = ['ES256', 'ES384', 'EdDSA', 'PS256', 'RS256'];
const MAX_JWS_LENGTH = 16 * 1024 * 1024;

/** Options of {@link verifyGlobalConfiguration}. */
export interface VerifyGlobalConfOptions {
  readonly clock: Clock;
  /** Tolerated clock difference for `generatedAt` in the future, in ms (default 60 000). */
  readonly clockSkewMs?: number;
  /** Accept an expired document (only to reload a cache and learn its keys and version floor). */
  readonly allowExpired?: boolean;
}

/**
 * The trust to verify the first configuration with: the anchor's instance and keys.
 *
 * @example
 * ```ts
 * const trust = trustFromAnchor(parseConfigurationAnchor(text));
 * ```
 */
export function trustFromAnchor(anchor: ConfigurationAnchor): GlobalConfTrust {
  return deepFreeze({ instanceIdentifier: anchor.instanceIdentifier, keys: anchorKeys(anchor).map((k) => ({ ...k })) });
}

/**
 * The trust after accepting `conf`: the keys it announces (current and next) and its version as the floor.
 * Keys it no longer announces are retired and refused from now on.
 *
 * @example
 * ```ts
 * let trust = trustFromAnchor(anchor);
 * const conf = await verifyGlobalConfiguration(jws, trust, { clock });
 * trust = trustAfter(conf);
 * ```
 */
export function trustAfter(conf: VerifiedGlobalConfiguration): GlobalConfTrust {
  const keys = conf.document.sources.flatMap((s) => s.verificationKeys.map(({ kid, alg, publicKey }) => ({ kid, alg, publicKey })));
  return deepFreeze({ instanceIdentifier: conf.document.instanceIdentifier, keys, minVersion: conf.document.version });
}

function isAnchor(trust: ConfigurationAnchor | GlobalConfTrust): trust is ConfigurationAnchor {
  return 'sources' in trust;
}

/**
 * Verifies a global configuration JWS and returns the deeply frozen document. In order: JWS structure and
 * `typ`, algorithm, `kid` among the trusted keys, signature, strict document schema, instance identifier,
 * version not below the floor, `generatedAt` not in the future, `expiresAt` not passed (xroad-digest §4.6:
 * an expired configuration is invalid).
 *
 * @param trust the anchor (first download) or {@link trustAfter} of the last accepted configuration.
 * @throws GlobalConfError with the code of the first failed check.
 * @example
 * ```ts
 * const conf = await verifyGlobalConfiguration(jwsText, anchor, { clock: systemClock });
 * console.log(conf.document.version, conf.expiresAtMs);
 * ```
 */
export async function verifyGlobalConfiguration(
  jwsText: string,
  trust: ConfigurationAnchor | GlobalConfTrust,
  options: VerifyGlobalConfOptions,
): Promise<VerifiedGlobalConfiguration> {
  if (typeof jwsText !== 'string') throw new TypeError('verifyGlobalConfiguration: jwsText must be the compact JWS as a string');
  const resolved = isAnchor(trust) ? trustFromAnchor(trust) : trust;
  const jws = jwsText.trim();
  if (jws.length > MAX_JWS_LENGTH || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(jws)) {
    throw new GlobalConfError('TONLE_ERR_GCONF_MALFORMED', 'Global configuration is not a compact JWS (three base64url parts separated by dots).');
  }
  // Base64url has spare bits in its last character: without this check a changed character could still
  // decode to the same bytes and verify, so the served text would not be the signed text (RFC 7515 §2
  // requires the unpadded canonical encoding).
  if (!jws.split('.').every(isCanonicalBase64url)) {
    throw new GlobalConfError('TONLE_ERR_GCONF_MALFORMED', 'Global configuration JWS uses a non-canonical base64url encoding; it was altered in transit.');
  }
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(jws);
  } catch (cause) {
    throw new GlobalConfError('TONLE_ERR_GCONF_MALFORMED', 'Global configuration JWS header is not valid base64url JSON.', { cause });
  }
  if (header.typ !== GLOBAL_CONF_JWS_TYPE) {
    throw new GlobalConfError('TONLE_ERR_GCONF_MALFORMED', `JWS typ must be "${GLOBAL_CONF_JWS_TYPE}"; this is not a global configuration.`);
  }
  if (typeof header.alg !== 'string' || !(ALGORITHMS as readonly string[]).includes(header.alg)) {
    throw new GlobalConfError('TONLE_ERR_GCONF_BAD_ALGORITHM', `JWS algorithm ${String(header.alg)} is not allowed; use one of ${ALGORITHMS.join(', ')}.`);
  }
  const key = resolved.keys.find((k) => k.kid === header.kid);
  if (key === undefined) {
    throw new GlobalConfError(
      'TONLE_ERR_GCONF_UNTRUSTED_KEY',
      `Configuration is signed with key ${JSON.stringify(header.kid)}, which neither the anchor nor the last verified configuration announces (retired, or a new anchor is needed).`,
    );
  }
  if (key.alg !== header.alg) {
    throw new GlobalConfError('TONLE_ERR_GCONF_BAD_ALGORITHM', `Key ${key.kid} is announced for ${key.alg}, but the JWS uses ${header.alg}.`);
  }
  const payload = await verifySignature(jws, key);
  const document = validateGlobalConfiguration(payload);
  if (document.instanceIdentifier !== resolved.instanceIdentifier) {
    throw new GlobalConfError(
      'TONLE_ERR_GCONF_WRONG_INSTANCE',
      `Configuration is for instance ${document.instanceIdentifier}, but the anchor is for ${resolved.instanceIdentifier}.`,
    );
  }
  if (resolved.minVersion !== undefined && document.version < resolved.minVersion) {
    throw new GlobalConfError(
      'TONLE_ERR_GCONF_VERSION_ROLLBACK',
      `Configuration version ${document.version} is older than the accepted version ${resolved.minVersion}; refusing a rollback.`,
    );
  }
  const now = options.clock.now();
  const generatedAtMs = Date.parse(document.generatedAt);
  const expiresAtMs = Date.parse(document.expiresAt);
  if (generatedAtMs > now + (options.clockSkewMs ?? 60_000)) {
    throw new GlobalConfError('TONLE_ERR_GCONF_NOT_YET_VALID', `Configuration was generated at ${document.generatedAt}, in the future; check the clocks.`);
  }
  if (options.allowExpired !== true && now >= expiresAtMs) {
    throw new GlobalConfError('TONLE_ERR_GCONF_EXPIRED', `Configuration expired at ${document.expiresAt}; download a fresh one from the registry.`);
  }
  return deepFreeze({ document, jws, signedBy: key.kid, generatedAtMs, expiresAtMs });
}

function isCanonicalBase64url(part: string): boolean {
  try {
    return base64url.encode(base64url.decode(part)) === part;
  } catch {
    return false;
  }
}

async function verifySignature(jws: string, key: VerificationKey): Promise<unknown> {
  try {
    const { payload } = await jwtVerify(jws, { ...key.publicKey, alg: key.alg }, { algorithms: [key.alg], typ: GLOBAL_CONF_JWS_TYPE });
    return payload;
  } catch (cause) {
    if (cause instanceof joseErrors.JWSSignatureVerificationFailed) {
      throw new GlobalConfError('TONLE_ERR_GCONF_BAD_SIGNATURE', `Configuration signature does not verify with key ${key.kid}; it was altered or not signed by the registry.`, {
        cause,
      });
    }
    if (cause instanceof joseErrors.JOSEError && (cause.code === 'ERR_JWK_INVALID' || cause.code === 'ERR_JOSE_NOT_SUPPORTED')) {
      throw new GlobalConfError('TONLE_ERR_GCONF_BAD_ALGORITHM', `Verification key ${key.kid} cannot be used: ${cause.message}`, { cause });
    }
    throw new GlobalConfError('TONLE_ERR_GCONF_MALFORMED', 'Configuration JWS payload is not a JSON object.', { cause });
  }
}
