import { XRoadHeader, isStrippedHeader, type HeaderPair } from '@tonle/protocol';

/** Node's `rawHeaders` (name, value, name, value ...) as ordered pairs, names as received. */
export function headerPairs(rawHeaders: readonly string[]): HeaderPair[] {
  const out: HeaderPair[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) out.push([rawHeaders[i] as string, rawHeaders[i + 1] as string]);
  return out;
}

/** The value of the last occurrence of a header (pr-rest 4.3: a repeated X-Road-Client, last one wins). */
export function lastHeader(pairs: readonly HeaderPair[], name: string): string | undefined {
  const lower = name.toLowerCase();
  let value: string | undefined;
  for (const [n, v] of pairs) if (n.toLowerCase() === lower) value = v;
  return value;
}

export function firstHeader(pairs: readonly HeaderPair[], name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [n, v] of pairs) if (n.toLowerCase() === lower) return v;
  return undefined;
}

/** Pairs without any header named in `names` (case-insensitive). */
export function withoutHeaders(pairs: readonly HeaderPair[], names: readonly string[]): HeaderPair[] {
  const drop = new Set(names.map((n) => n.toLowerCase()));
  return pairs.filter(([n]) => !drop.has(n.toLowerCase()));
}

/** The X-Road headers the provider's security server sets on every response, overwriting the service's. */
export const RESPONSE_XROAD_HEADERS: readonly string[] = [
  XRoadHeader.Id,
  XRoadHeader.Client,
  XRoadHeader.Service,
  XRoadHeader.RequestId,
  XRoadHeader.RequestHash,
  XRoadHeader.Error,
];

/**
 * Headers as a Node response wants them: grouped by name, hop-by-hop ones dropped, and exactly one
 * `Date` (xroad-digest 2.3: the client SS keeps exactly one).
 */
export function toOutgoingHeaders(pairs: readonly HeaderPair[]): Record<string, string | string[]> {
  const connection = pairs.filter(([n]) => n.toLowerCase() === 'connection').map(([, v]) => v).join(',');
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of pairs) {
    const lower = name.toLowerCase();
    if (isStrippedHeader(lower, connection)) continue;
    const existing = out[lower];
    if (existing === undefined) out[lower] = value;
    else if (lower === 'date') continue;
    else out[lower] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return out;
}
