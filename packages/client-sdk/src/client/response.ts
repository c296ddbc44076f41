import type { Readable } from 'node:stream';
import {
  FAULTS,
  XRoadHeader,
  normalizeFaultCode,
  parseClientId,
  parseFaultBody,
  parseServiceId,
  type ClientId,
  type IdentifierValidation,
  type ServiceId,
} from '@tonle/protocol';
import {
  GatewayError,
  InvalidResponseError,
  TransportError,
  TransportErrorCode,
  type XRoadResponseInfo,
} from '../errors/index.ts';
import { transportErrorFrom } from './transport.ts';

/**
 * Response headers as undici gives them: names in lower case.
 *
 * @example
 * ```ts
 * const res = await client.call({ service });
 * const type = res.headers['content-type'];
 * ```
 */
export type ResponseHeaders = Readonly<Record<string, string | string[]>>;

/**
 * The answer to {@link XRoadClient.call}: status, headers and the body as a stream, with helpers that
 * read it whole. Read the body (or call `dump()`) on every response: an unread body holds its pooled
 * connection.
 *
 * @example
 * ```ts
 * const res = await client.call({ service, path: '/v1/persons/1' });
 * if (res.status === 200) console.log(await res.json(), res.xroad.requestHash);
 * else await res.dump();
 * ```
 */
export interface XRoadResponse {
  readonly status: number;
  /** Response headers, names in lower case; repeated headers as arrays. */
  readonly headers: ResponseHeaders;
  /** The body as a Node.js stream (also async-iterable); read it once, either here or with a helper. */
  readonly body: Readable;
  /** The X-Road response headers, parsed. */
  readonly xroad: XRoadResponseInfo;
  /** Reads the whole body as JSON; a body that is not JSON rejects with `InvalidResponseError`. */
  json<T = unknown>(): Promise<T>;
  /** Reads the whole body. */
  bytes(): Promise<Uint8Array>;
  /** Reads the whole body as UTF-8 text. */
  text(): Promise<string>;
  /** Discards the body so the connection returns to the pool. */
  dump(): Promise<void>;
}

function first(value: string | string[] | undefined): string | undefined {
  // pr-rest 4.3: when an X-Road header is repeated, the last one wins.
  return Array.isArray(value) ? value[value.length - 1] : value;
}

/** A header value by lower-case name, the last one when repeated. */
export function headerValue(headers: ResponseHeaders, name: string): string | undefined {
  return first(headers[name.toLowerCase()]);
}

function tryParse<T>(parse: () => T): T | undefined {
  try {
    return parse();
  } catch {
    return undefined;
  }
}

/**
 * Parses the X-Road-* response headers; a malformed identifier reads as undefined (lenient, as X-Road's message path).
 *
 * @example
 * ```ts
 * const info = readXRoadInfo({ 'x-road-id': 'EE-1', 'x-road-client': 'EE/GOV/2/app' });
 * info.client?.memberCode; // '2'
 * ```
 */
export function readXRoadInfo(headers: ResponseHeaders, validation: IdentifierValidation = 'lenient'): XRoadResponseInfo {
  const client = headerValue(headers, XRoadHeader.Client);
  const service = headerValue(headers, XRoadHeader.Service);
  return Object.freeze({
    id: headerValue(headers, XRoadHeader.Id),
    requestId: headerValue(headers, XRoadHeader.RequestId),
    requestHash: headerValue(headers, XRoadHeader.RequestHash),
    client: client === undefined ? undefined : tryParse<ClientId>(() => parseClientId(client, { validation })),
    service: service === undefined ? undefined : tryParse<ServiceId>(() => parseServiceId(service, { validation })),
  });
}

/** Collects a stream into bytes, keeping at most `limit` bytes; maps stream failures to TransportError. */
export async function collect(body: Readable, limit = Infinity): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  try {
    for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (size + bytes.length > limit) {
        chunks.push(bytes.subarray(0, limit - size));
        size = limit;
        truncated = true;
        body.destroy();
        break;
      }
      chunks.push(bytes);
      size += bytes.length;
    }
  } catch (error) {
    throw transportErrorFrom(error, 'reading the response body');
  }
  return { bytes: Buffer.concat(chunks, size), truncated };
}

/** Wraps a stream body with the read-whole helpers. */
export function createResponse(status: number, headers: ResponseHeaders, body: Readable, xroad: XRoadResponseInfo): XRoadResponse {
  const bytes = async (): Promise<Uint8Array> => (await collect(body)).bytes;
  const text = async (): Promise<string> => new TextDecoder().decode(await bytes());
  return {
    status,
    headers,
    body,
    xroad,
    bytes,
    text,
    async json<T>(): Promise<T> {
      const source = await text();
      try {
        return JSON.parse(source) as T;
      } catch (error) {
        throw new InvalidResponseError(
          `The response body is not JSON (status ${status}, content-type ${headerValue(headers, 'content-type') ?? 'none'}); read it with text() or bytes()`,
          status,
          { cause: error },
        );
      }
    },
    async dump(): Promise<void> {
      await discard(body);
    },
  };
}

/** Reads and drops a body so its keep-alive connection can serve the next request. */
export async function discard(body: Readable): Promise<void> {
  try {
    for await (const _ of body) {
      // drained
    }
  } catch {
    // a broken body on a response we are throwing away does not matter
  }
}

const XML_ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number.parseInt(name.slice(1), 10));
    return XML_ENTITIES[name] ?? whole;
  });
}

function xmlField(xml: string, field: string): string | undefined {
  const m = new RegExp(`<${field}>([^<]*)</${field}>`).exec(xml);
  return m?.[1] === undefined ? undefined : unescapeXml(m[1]);
}

/** Reads `{type, message, detail}` from a fault body in JSON or X-Road's `<error>` XML form. */
export function parseAnyFaultBody(text: string): { message: string | undefined; detail: string | undefined } {
  const json = parseFaultBody(text);
  if (json !== undefined) return { message: json.message, detail: json.detail };
  if (/<error[\s>]/.test(text)) return { message: xmlField(text, 'message'), detail: xmlField(text, 'detail') };
  return { message: undefined, detail: undefined };
}

/** A fault body is small; more than this is not a fault body we need to read. */
const FAULT_BODY_LIMIT = 64 * 1024;

/**
 * Builds the GatewayError of a response that carried `X-Road-Error` (pr-rest 4.6: that header, and only
 * that header, marks a fault raised inside X-Road).
 */
export async function gatewayErrorFrom(
  status: number,
  headers: ResponseHeaders,
  body: Readable,
  wireCode: string,
  validation: IdentifierValidation,
): Promise<GatewayError> {
  let text = '';
  try {
    text = new TextDecoder().decode((await collect(body, FAULT_BODY_LIMIT)).bytes);
  } catch (error) {
    if (!(error instanceof TransportError) || error.code !== TransportErrorCode.Network) throw error;
    // The header already tells us the fault; a body cut short only loses the message and the id.
  }
  const code = normalizeFaultCode(wireCode.trim()) ?? 'Unrecognized';
  const parsed = parseAnyFaultBody(text);
  const message = parsed.message ?? (code === 'Unrecognized' ? `X-Road fault ${wireCode}` : FAULTS[code].message);
  return new GatewayError({ code, wireCode, status, message, detail: parsed.detail, xroad: readXRoadInfo(headers, validation) });
}
