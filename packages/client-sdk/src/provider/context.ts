import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { BlockList, isIP } from 'node:net';
import {
  GatewayFault,
  XRoadHeader,
  parseClientId,
  parseRepresentedParty,
  parseServiceId,
  renderFault,
  type ClientId,
  type FaultCode,
  type IdentifierValidation,
  type RepresentedParty,
  type ServiceId,
} from '@tonle/protocol';

/**
 * What the provider's security server told your service about the call (xroad-digest 2.4).
 *
 * @example
 * ```ts
 * const context: XRoadContext | undefined = readXRoadContext(req);
 * if (context) console.log(context.client.memberCode, context.userId, context.id);
 * ```
 */
export interface XRoadContext {
  /** `X-Road-Client`: who calls. */
  readonly client: ClientId;
  /** `X-Road-Service`, when the security server passes it. */
  readonly service: ServiceId | undefined;
  /** `X-Road-Id`: the message id. */
  readonly id: string | undefined;
  /** `X-Road-Request-Id`: the consumer security server's UUID for this exchange. */
  readonly requestId: string | undefined;
  /** `X-Road-UserId`: the end user, as the caller stated it. */
  readonly userId: string | undefined;
  /** `X-Road-Issue`: the caller's case or document reference. */
  readonly issue: string | undefined;
  /** `X-Road-Represented-Party`: the party the caller acts for. */
  readonly representedParty: RepresentedParty | undefined;
}

/**
 * Options of {@link readXRoadContext} and the fastify plugin.
 *
 * @example
 * ```ts
 * const options: XRoadContextOptions = { requireSecurityServer: true, trustedProxies: ['10.0.0.5', '10.1.0.0/16'] };
 * const read = createXRoadContextReader(options);
 * ```
 */
export interface XRoadContextOptions {
  /**
   * Reject calls that did not come through a security server: missing or malformed `X-Road-Client`,
   * `X-Road-Id` or `X-Road-Request-Id` give 400, a peer address outside `trustedProxies` gives 403.
   * Default false: the context is read when `X-Road-Client` is present.
   */
  readonly requireSecurityServer?: boolean;
  /**
   * Addresses (`10.0.0.5`, `::1`) or CIDR ranges (`10.0.0.0/24`) of your security server(s). Compared with
   * the TCP peer address, never with `X-Forwarded-For`, which any caller can write.
   */
  readonly trustedProxies?: readonly string[];
  /** How strictly identifiers are checked; default `lenient`, as X-Road's message path (it only warns). */
  readonly identifierValidation?: IdentifierValidation;
}

/**
 * A call that did not come through a security server, refused. `toResponse()` renders it fault-shaped:
 * `X-Road-Error`, status and `{type, message, detail}` (pr-rest 4.6).
 *
 * @example
 * ```ts
 * try { readXRoadContext(req, { requireSecurityServer: true }); } catch (e) {
 *   if (e instanceof XRoadContextRejection) console.log(e.status, e.code); // 400 Client.MissingHeaderField
 * }
 * ```
 */
export class XRoadContextRejection extends Error {
  override readonly name = 'XRoadContextRejection';
  /** The fault code. */
  readonly code: FaultCode;
  /** From the catalog: 400 for missing or malformed headers, 403 (`Client.UntrustedSource`) for an untrusted peer. */
  readonly status: number;
  /** The fault id written into the response body; log it. */
  readonly id: string;
  readonly #fault: GatewayFault;

  constructor(code: FaultCode, message: string) {
    super(message);
    this.#fault = new GatewayFault(code, message);
    this.code = code;
    this.status = this.#fault.status;
    this.id = this.#fault.id;
  }

  /** The response to send: status, headers (`X-Road-Error`, `Content-Type`) and body (JSON or XML by `Accept`). */
  toResponse(accept?: string): { status: number; headers: Readonly<Record<string, string>>; body: string } {
    return renderFault(this.#fault, accept);
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  // pr-rest 4.3: a repeated X-Road header counts by its last value.
  return Array.isArray(value) ? value[value.length - 1] : value;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// eslint-disable-next-line no-control-regex -- control characters never belong in a message id
const CONTROL = /[\u0000-\u001f\u007f]/;

function peerMatcher(trusted: readonly string[]): (address: string | undefined) => boolean {
  const list = new BlockList();
  for (const entry of trusted) {
    const [address, prefix, ...rest] = entry.split('/');
    const family = isIP(address ?? '');
    if (family === 0 || rest.length > 0) throw new TypeError(`trustedProxies: '${entry}' is not an IP address or CIDR range`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) {
      list.addAddress(address as string, type);
    } else {
      const bits = Number(prefix);
      if (!/^\d+$/.test(prefix) || bits > (family === 4 ? 32 : 128)) throw new TypeError(`trustedProxies: bad prefix in '${entry}'`);
      list.addSubnet(address as string, bits, type);
    }
  }
  return (address) => {
    if (address === undefined) return false;
    // An IPv4 peer on a dual-stack socket shows as ::ffff:a.b.c.d.
    const plain = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    const family = isIP(plain);
    return family !== 0 && list.check(plain, family === 4 ? 'ipv4' : 'ipv6');
  };
}

/** Parses an optional header with `parse`, turning any parse failure into a rejection with `code`. */
function parseHeader<T>(text: string | undefined, parse: (text: string) => T, code: FaultCode, message: string): T | undefined {
  if (text === undefined) return undefined;
  try {
    return parse(text.trim());
  } catch {
    throw new XRoadContextRejection(code, message);
  }
}

/**
 * Builds a reader with options checked once (for servers: build it at start-up, use it per request).
 *
 * @example
 * ```ts
 * const read = createXRoadContextReader({ requireSecurityServer: true, trustedProxies: ['10.0.0.5'] });
 * const context = read(req); // throws XRoadContextRejection
 * ```
 */
export function createXRoadContextReader(
  options: XRoadContextOptions = {},
): (req: Pick<IncomingMessage, 'headers' | 'socket'>) => XRoadContext | undefined {
  const required = options.requireSecurityServer === true;
  const trusted = options.trustedProxies === undefined ? undefined : peerMatcher(options.trustedProxies);
  const validation = options.identifierValidation ?? 'lenient';
  return (req) => {
    if (trusted !== undefined && !trusted(req.socket?.remoteAddress)) {
      throw new XRoadContextRejection('Client.UntrustedSource', 'This service accepts calls only through its security server; call it via your own security server',
      );
    }
    const headers = req.headers;
    const clientText = header(headers, XRoadHeader.Client);
    if (clientText === undefined) {
      if (!required) return undefined;
      throw new XRoadContextRejection('Client.MissingHeaderField', 'The X-Road-Client header is missing');
    }
    const client = parseHeader(
      clientText,
      (t) => parseClientId(t, { validation }),
      'Client.InvalidClientIdentifier',
      'The X-Road-Client header is not a valid client identifier',
    ) as ClientId;
    const id = header(headers, XRoadHeader.Id);
    const requestId = header(headers, XRoadHeader.RequestId);
    if (required) {
      if (id === undefined || id.trim() === '') {
        throw new XRoadContextRejection('Client.MissingHeaderField', 'The X-Road-Id header is missing');
      }
      if (requestId === undefined) {
        throw new XRoadContextRejection('Client.MissingHeaderField', 'The X-Road-Request-Id header is missing');
      }
      // The consumer's security server sets a fresh UUID per call (pr-rest 4.3).
      if (!UUID.test(requestId.trim())) {
        throw new XRoadContextRejection('Client.BadRequest', 'The X-Road-Request-Id header is not a UUID');
      }
    }
    if (id !== undefined && (CONTROL.test(id) || id.length > 255)) {
      throw new XRoadContextRejection('Client.BadRequest', 'The X-Road-Id header is malformed');
    }
    const service = parseHeader(
      header(headers, XRoadHeader.Service),
      (t) => parseServiceId(t, { validation }),
      'Client.InvalidServiceIdentifier',
      'The X-Road-Service header is not a valid service identifier',
    );
    const representedParty = parseHeader(
      header(headers, XRoadHeader.RepresentedParty),
      (t) => parseRepresentedParty(t, { validation }),
      'Client.BadRequest',
      'The X-Road-Represented-Party header is malformed',
    );
    return Object.freeze({
      client,
      service,
      id: id?.trim(),
      requestId: requestId?.trim(),
      userId: header(headers, XRoadHeader.UserId),
      issue: header(headers, XRoadHeader.Issue),
      representedParty,
    });
  };
}

/**
 * Reads the X-Road headers of a request your service received from its security server. Returns
 * undefined when `X-Road-Client` is absent and the security server is not required; throws an
 * {@link XRoadContextRejection} for a call that must be refused.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { readXRoadContext, sendXRoadRejection, XRoadContextRejection } from '@tonle/client-sdk';
 * createServer((req, res) => {
 *   let ctx;
 *   try { ctx = readXRoadContext(req, { requireSecurityServer: true, trustedProxies: ['127.0.0.1'] }); }
 *   catch (e) { if (e instanceof XRoadContextRejection) return sendXRoadRejection(res, e, req.headers.accept); throw e; }
 *   res.end(`hello ${ctx?.client.memberCode}`);
 * });
 * ```
 */
export function readXRoadContext(
  req: Pick<IncomingMessage, 'headers' | 'socket'>,
  options?: XRoadContextOptions,
): XRoadContext | undefined {
  return createXRoadContextReader(options)(req);
}

/**
 * Writes a rejection as a fault-shaped response and ends it.
 *
 * @example
 * ```ts
 * sendXRoadRejection(res, rejection, req.headers.accept);
 * ```
 */
export function sendXRoadRejection(res: ServerResponse, rejection: XRoadContextRejection, accept?: string): void {
  const { status, headers, body } = rejection.toResponse(accept);
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
