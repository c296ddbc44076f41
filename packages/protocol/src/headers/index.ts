/**
 * The X-Road-* header names of the REST protocol (pr-rest 4.3), spelt as X-Road spells them.
 *
 * @example
 * ```ts
 * import { XRoadHeader } from '@tonle/protocol';
 * const headers = { [XRoadHeader.Client]: 'EE/GOV/70000001/population' };
 * ```
 */
export const XRoadHeader = {
  /** Who calls: `INSTANCE/CLASS/MEMBER[/SUBSYSTEM]`. Required on requests; last one wins if repeated. */
  Client: 'X-Road-Client',
  /** The message (query) id; generated as `{instance}-{uuid}` when the client sends none. */
  Id: 'X-Road-Id',
  /** The end user on whose behalf the call is made (e.g. `EE12345678901`). */
  UserId: 'X-Road-UserId',
  /** A case or document reference for the call. */
  Issue: 'X-Road-Issue',
  /** Forces routing to one provider security server: `INSTANCE/CLASS/MEMBER/SERVERCODE`. */
  SecurityServer: 'X-Road-Security-Server',
  /** The third party the client represents: `[CLASS/]CODE`. */
  RepresentedParty: 'X-Road-Represented-Party',
  /** On responses: the service that answered. */
  Service: 'X-Road-Service',
  /** A fresh UUID per call, set by the consumer's security server; shared by request and response. */
  RequestId: 'X-Road-Request-Id',
  /** On responses: binds the response to the exact request (pr-rest 4.5). */
  RequestHash: 'X-Road-Request-Hash',
  /** On responses: the fault code, only when a security server produced the error. */
  Error: 'X-Road-Error',
} as const;

/** One of the X-Road-* header names. */
export type XRoadHeaderName = (typeof XRoadHeader)[keyof typeof XRoadHeader];

/**
 * Headers a security server never transports (X-Road `RestMessage.SKIPPED_HEADERS`): hop-by-hop headers
 * (RFC 9110 7.6.1), origin-revealing `host`, `user-agent`, `server`, and `content-length` / `expect`,
 * which each hop sets for itself. Lower case.
 */
export const STRIPPED_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'user-agent',
  'server',
  'content-length',
  'expect',
]);

/**
 * Whether a header is dropped at a security server: the fixed list plus any header the `Connection`
 * header names (RFC 9110 7.6.1).
 *
 * @example
 * ```ts
 * isStrippedHeader('Transfer-Encoding'); // true
 * isStrippedHeader('X-Trace', 'close, X-Trace'); // true: named by Connection
 * isStrippedHeader('Authorization'); // false: user headers pass through
 * ```
 */
export function isStrippedHeader(name: string, connectionHeader?: string): boolean {
  const lower = name.toLowerCase();
  if (STRIPPED_HEADERS.has(lower)) return true;
  if (connectionHeader === undefined) return false;
  return connectionHeader.split(',').some((token) => token.trim().toLowerCase() === lower);
}
