import { Readable } from 'node:stream';
import {
  XRoadHeader,
  formatRepresentedParty,
  formatSecurityServerId,
  parseRepresentedParty,
  parseSecurityServerId,
  type IdentifierValidation,
  type RepresentedParty,
  type SecurityServerId,
} from '@tonle/protocol';

/**
 * A request body: bytes, text, or a stream (Node.js Readable, async iterable of bytes, or web ReadableStream).
 *
 * @example
 * ```ts
 * await client.call({ service, method: 'PUT', path: '/v1/files/1', body: createReadStream('scan.pdf') });
 * ```
 */
export type RequestBody =
  | string
  | Uint8Array
  | Readable
  | AsyncIterable<Uint8Array>
  | ReadableStream<Uint8Array>;

/**
 * A query: raw text (without `?`), URLSearchParams, or a record of values (arrays repeat the key).
 *
 * @example
 * ```ts
 * await client.call({ service, path: '/v1/persons', query: { name: 'Mari', tag: ['a', 'b'] } }); // ?name=Mari&tag=a&tag=b
 * ```
 */
export type QueryInput =
  | string
  | URLSearchParams
  | Readonly<Record<string, string | number | boolean | readonly (string | number | boolean)[] | undefined>>;

/**
 * Request headers you add (`Authorization`, `Accept`, ...); X-Road-* headers have their own options.
 *
 * @example
 * ```ts
 * await client.call({ service, path: '/v1/x', headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } });
 * ```
 */
export type HeadersInput = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * The X-Road request headers a call may set (pr-rest 4.3).
 *
 * @example
 * ```ts
 * await client.call({ service, path: '/v1/x', id: randomUUID(), userId: 'EE38001010000', issue: 'case-42', representedParty: 'COM/12345' });
 * ```
 */
export interface XRoadRequestOptions {
  /** `X-Road-Id`: your message id (a UUID recommended); the security server generates one if absent. */
  readonly id?: string;
  /** `X-Road-UserId`: the end user, ISO country prefix recommended (`EE12345678901`). */
  readonly userId?: string;
  /** `X-Road-Issue`: the case or document this call belongs to. */
  readonly issue?: string;
  /** `X-Road-Represented-Party`: the party you act for, `[CLASS/]CODE` or an object. */
  readonly representedParty?: RepresentedParty | string;
  /** `X-Road-Security-Server`: force one provider security server, `INSTANCE/CLASS/MEMBER/SERVERCODE`. */
  readonly securityServer?: SecurityServerId | string;
}

/** Headers that only the typed options set: a mistake to pass by hand. */
const RESERVED: ReadonlySet<string> = new Set(Object.values(XRoadHeader).map((h) => h.toLowerCase()));
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// eslint-disable-next-line no-control-regex -- CR, LF and NUL would split or end the header
const BAD_VALUE = /[\r\n\u0000]/;

function checkValue(name: string, value: string): string {
  if (BAD_VALUE.test(value)) throw new TypeError(`header ${name} must not contain CR, LF or NUL`);
  return value;
}

/** Builds the outgoing header record: your headers, then the X-Road ones. */
export function buildHeaders(
  clientHeader: string | undefined,
  defaults: HeadersInput | undefined,
  headers: HeadersInput | undefined,
  xroad: XRoadRequestOptions,
  validation: IdentifierValidation,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const source of [defaults, headers]) {
    if (source === undefined) continue;
    for (const [name, value] of Object.entries(source)) {
      if (value === undefined) continue;
      if (!TOKEN.test(name)) throw new TypeError(`'${name}' is not a valid HTTP header name`);
      const lower = name.toLowerCase();
      if (RESERVED.has(lower)) {
        throw new TypeError(
          `set ${name} through the call options (client, id, userId, issue, representedParty, securityServer), not headers`,
        );
      }
      out[lower] = typeof value === 'string' ? checkValue(name, value) : value.map((v) => checkValue(name, v));
    }
  }
  if (clientHeader !== undefined) out[XRoadHeader.Client.toLowerCase()] = clientHeader;
  const set = (name: string, value: string | undefined): void => {
    if (value !== undefined) out[name.toLowerCase()] = checkValue(name, value);
  };
  set(XRoadHeader.Id, xroad.id);
  set(XRoadHeader.UserId, xroad.userId);
  set(XRoadHeader.Issue, xroad.issue);
  if (xroad.representedParty !== undefined) {
    const party =
      typeof xroad.representedParty === 'string'
        ? parseRepresentedParty(xroad.representedParty, { validation })
        : xroad.representedParty;
    set(XRoadHeader.RepresentedParty, formatRepresentedParty(party));
  }
  if (xroad.securityServer !== undefined) {
    const server =
      typeof xroad.securityServer === 'string'
        ? parseSecurityServerId(xroad.securityServer, { validation })
        : xroad.securityServer;
    set(XRoadHeader.SecurityServer, formatSecurityServerId(server));
  }
  return out;
}

/** Formats a query input as raw query text (no `?`), or undefined for none. */
export function formatQuery(query: QueryInput | undefined): string | undefined {
  if (query === undefined) return undefined;
  if (typeof query === 'string') {
    const raw = query.startsWith('?') ? query.slice(1) : query;
    if (/[\s#]/.test(raw)) throw new TypeError('query must be percent-encoded: no spaces or #');
    return raw === '' ? undefined : raw;
  }
  const params = query instanceof URLSearchParams ? query : new URLSearchParams();
  if (!(query instanceof URLSearchParams)) {
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) params.append(key, String(v));
    }
  }
  const text = params.toString();
  return text === '' ? undefined : text;
}

/** The path after the service code: empty, or `/` followed by printable ASCII without `?` and `#`. */
export function checkPath(path: string | undefined): string {
  if (path === undefined || path === '') return '';
  if (typeof path !== 'string' || !/^\/[\x21-\x7e]*$/.test(path) || /[?#]/.test(path)) {
    throw new TypeError(
      `path must be empty or start with '/', be percent-encoded (no spaces or non-ASCII) and carry no '?' or '#' (use query); got ${JSON.stringify(path)}`,
    );
  }
  return path;
}

/** A prepared body: what undici sends and whether it can be sent again on a retry. */
export interface PreparedBody {
  readonly body: string | Uint8Array | Readable | AsyncIterable<Uint8Array> | undefined;
  readonly contentType: string | undefined;
  /** False for streams: a stream can be read only once, so a call with one is never retried. */
  readonly replayable: boolean;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<Uint8Array> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

function isWebStream(value: unknown): value is ReadableStream<Uint8Array> {
  return typeof value === 'object' && value !== null && typeof (value as { getReader?: unknown }).getReader === 'function';
}

/** Turns `body` / `json` into what undici sends. */
export function prepareBody(body: RequestBody | undefined, json: unknown, hasJson: boolean): PreparedBody {
  if (hasJson) {
    if (body !== undefined) throw new TypeError('pass either body or json, not both');
    const text = JSON.stringify(json);
    if (text === undefined) throw new TypeError('json must be a JSON-serialisable value');
    return { body: text, contentType: 'application/json', replayable: true };
  }
  if (body === undefined) return { body: undefined, contentType: undefined, replayable: true };
  if (typeof body === 'string') return { body, contentType: 'text/plain; charset=utf-8', replayable: true };
  if (body instanceof Uint8Array) return { body, contentType: 'application/octet-stream', replayable: true };
  if (body instanceof Readable) return { body, contentType: 'application/octet-stream', replayable: false };
  if (isWebStream(body)) {
    // node:stream/web's ReadableStream and the global one differ only in their type declarations.
    return { body: Readable.fromWeb(body as Parameters<typeof Readable.fromWeb>[0]), contentType: 'application/octet-stream', replayable: false };
  }
  if (isAsyncIterable(body)) return { body, contentType: 'application/octet-stream', replayable: false };
  throw new TypeError('body must be a string, a Uint8Array/Buffer, a Readable, an async iterable of Uint8Array or a ReadableStream');
}
