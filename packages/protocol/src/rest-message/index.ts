import { XRoadHeader, isStrippedHeader } from '../headers/index.ts';
import { toBase64, utf8 } from '../web-platform/index.ts';

/** One header as sent: its name as received (case kept) and its value. */
export type HeaderPair = readonly [name: string, value: string];

/** The REST request header part (xroad-digest 3.4): what a signature and the request hash cover. */
export interface RestRequestHeaderPart {
  readonly method: string;
  /** The raw request path, `/r1/...`, still percent-encoded. */
  readonly path: string;
  /** The raw query without `?`, or undefined. */
  readonly query?: string | undefined;
  /** The transported headers in order. */
  readonly headers: readonly HeaderPair[];
}

/** The REST response header part. */
export interface RestResponseHeaderPart {
  readonly status: number;
  readonly reason: string;
  readonly headers: readonly HeaderPair[];
}

// eslint-disable-next-line no-control-regex -- CR, LF and NUL would break the line framing
const LINE_BREAK = /[\r\n\u0000]/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function checkHeaders(headers: readonly HeaderPair[]): void {
  for (const [name, value] of headers) {
    if (!TOKEN.test(name)) throw new TypeError(`header name '${name}' is not an HTTP token`);
    if (LINE_BREAK.test(value)) throw new TypeError(`header '${name}' has a line break or NUL in its value`);
  }
}

function headerLines(headers: readonly HeaderPair[]): string {
  // X-Road RestMessage.serializeHeaders: `name:value` CRLF, no space after the colon, order kept.
  return headers.map(([name, value]) => `${name}:${value}\r\n`).join('');
}

/**
 * Serialises a request header part byte for byte as X-Road's `RestRequest.toByteArray`:
 * `METHOD` CRLF `path[?query]` CRLF, then `name:value` CRLF per header, UTF-8.
 *
 * @example
 * ```ts
 * serializeRestRequestHeaderPart({ method: 'GET', path: '/r1/EE/GOV/1/sub/svc', headers: [['X-Road-Client', 'EE/GOV/2/app']] });
 * // bytes of "GET\r\n/r1/EE/GOV/1/sub/svc\r\nX-Road-Client:EE/GOV/2/app\r\n"
 * ```
 */
export function serializeRestRequestHeaderPart(part: RestRequestHeaderPart): Uint8Array {
  if (!TOKEN.test(part.method)) throw new TypeError(`method '${part.method}' is not an HTTP token`);
  if (LINE_BREAK.test(part.path) || (part.query !== undefined && LINE_BREAK.test(part.query))) {
    throw new TypeError('path and query must not contain line breaks');
  }
  checkHeaders(part.headers);
  const target = part.query === undefined ? part.path : `${part.path}?${part.query}`;
  return utf8.encode(`${part.method}\r\n${target}\r\n${headerLines(part.headers)}`);
}

/**
 * Serialises a response header part as X-Road's `RestResponse.toByteArray`:
 * `status` CRLF `reason` CRLF, then `name:value` CRLF per header, UTF-8.
 *
 * @example
 * ```ts
 * serializeRestResponseHeaderPart({ status: 200, reason: 'OK', headers: [['Content-Type', 'application/json']] });
 * ```
 */
export function serializeRestResponseHeaderPart(part: RestResponseHeaderPart): Uint8Array {
  if (!Number.isInteger(part.status) || part.status < 100 || part.status > 999) {
    throw new TypeError(`status ${part.status} is not a three-digit HTTP status`);
  }
  if (LINE_BREAK.test(part.reason)) throw new TypeError('reason must not contain line breaks');
  checkHeaders(part.headers);
  return utf8.encode(`${part.status}\r\n${part.reason}\r\n${headerLines(part.headers)}`);
}

/**
 * The headers a security server transports from what it received: drops the hop-by-hop and origin
 * headers (and those named by `Connection`), and any `X-Road-Request-Id` / `X-Road-Request-Hash` the
 * sender supplied, since the security servers set those themselves (pr-rest 4.3).
 *
 * @example
 * ```ts
 * transportedHeaders([['Host', 'ss'], ['Accept', 'application/json'], ['X-Road-Request-Hash', 'x']]);
 * // [['Accept', 'application/json']]
 * ```
 */
export function transportedHeaders(received: readonly HeaderPair[]): HeaderPair[] {
  const connection = received
    .filter(([name]) => name.toLowerCase() === 'connection')
    .map(([, value]) => value)
    .join(',');
  const requestId = XRoadHeader.RequestId.toLowerCase();
  const requestHash = XRoadHeader.RequestHash.toLowerCase();
  return received.filter(([name]) => {
    const lower = name.toLowerCase();
    return lower !== requestId && lower !== requestHash && !isStrippedHeader(name, connection);
  });
}

/** A synchronous SHA-512 (node:crypto on servers); injected so this package stays runtime-neutral. */
export type Sha512 = (data: Uint8Array) => Uint8Array;

/**
 * `X-Road-Request-Hash` (pr-rest 4.5, X-Road's implementation): base64 of SHA-512 over the request
 * header part when there is no body, otherwise of SHA-512( SHA-512(headerPart) || SHA-512(body) ).
 * Pass the body's SHA-512 digest (computed while streaming), not the body.
 *
 * @example
 * ```ts
 * import { createHash } from 'node:crypto';
 * const sha512 = (d: Uint8Array) => createHash('sha512').update(d).digest();
 * const hash = computeRequestHash(sha512, headerPart, sha512(body));
 * ```
 */
export function computeRequestHash(sha512: Sha512, headerPart: Uint8Array, bodyDigest?: Uint8Array): string {
  const headerDigest = sha512(headerPart);
  if (bodyDigest === undefined) return toBase64(headerDigest);
  const joined = new Uint8Array(headerDigest.length + bodyDigest.length);
  joined.set(headerDigest, 0);
  joined.set(bodyDigest, headerDigest.length);
  return toBase64(sha512(joined));
}
