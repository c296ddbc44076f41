import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Extracts the API key from an `Authorization` header. Accepts `Bearer <key>` and X-Road's admin API
 * scheme `X-Road-ApiKey token=<key>` (ug-ss §19: "Authorization: X-Road-ApiKey token=..."). Returns
 * undefined when the header is absent or in another scheme.
 */
export function apiKeyFromAuthorization(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const bearer = /^Bearer[ ]+([^\s]+)[ ]*$/i.exec(header);
  if (bearer !== null) return bearer[1];
  const xroad = /^X-Road-ApiKey[ ]+token=([^\s]+)[ ]*$/i.exec(header);
  return xroad === null ? undefined : xroad[1];
}

/**
 * Compares a presented key with the expected one in constant time. Both are hashed first so that
 * neither the content nor the length of the expected key leaks through timing.
 */
export function apiKeyMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}
