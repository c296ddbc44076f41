import { SignJWT, type CryptoKey, type JWK, type KeyObject } from 'jose';
import { validateGlobalConfiguration } from './document.ts';
import type { GlobalConfAlgorithm, GlobalConfiguration } from './types.ts';
import { GLOBAL_CONF_JWS_TYPE } from './verify.ts';

/** The private half of a configuration signing key, as jose accepts it. */
export interface GlobalConfSigningKey {
  readonly kid: string;
  readonly alg: GlobalConfAlgorithm;
  readonly privateKey: CryptoKey | KeyObject | JWK;
}

/**
 * Validates `document` with the same strict rules the verifier applies and signs it as a compact JWS
 * (`typ` {@link GLOBAL_CONF_JWS_TYPE}, `kid` of the signing key). The registry publishes the result.
 *
 * @throws GlobalConfError `TONLE_ERR_GCONF_INVALID` when the document would be refused by clients.
 * @example
 * ```ts
 * const jws = await signGlobalConfiguration(doc, { kid: 'k1', alg: 'ES256', privateKey });
 * ```
 */
export async function signGlobalConfiguration(document: GlobalConfiguration, key: GlobalConfSigningKey): Promise<string> {
  const checked = validateGlobalConfiguration(structuredCloneJson(document));
  const announced = checked.sources.some((s) => s.verificationKeys.some((k) => k.kid === key.kid && k.alg === key.alg));
  if (!announced) throw new TypeError(`signGlobalConfiguration: key ${key.kid} (${key.alg}) is not announced in the document's sources`);
  return new SignJWT({ ...checked }).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: GLOBAL_CONF_JWS_TYPE }).sign(key.privateKey);
}

function structuredCloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
