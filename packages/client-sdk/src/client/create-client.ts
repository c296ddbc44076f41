import type { Readable } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import {
  XRoadHeader,
  formatClientId,
  formatServicePath,
  normalizeFaultCode,
  parseClientId,
  parseServiceId,
  type ClientId,
  type IdentifierValidation,
  type ServiceId,
  type SubsystemId,
} from '@tonle/protocol';
import {
  InvalidResponseError,
  ProviderError,
  TransportError,
  TransportErrorCode,
  type XRoadResponseInfo,
} from '../errors/index.ts';
import {
  parseListClients,
  parseServiceList,
  type ListedClient,
  type ServiceDescription,
} from '../metaservices/index.ts';
import {
  buildHeaders,
  checkPath,
  formatQuery,
  prepareBody,
  type HeadersInput,
  type PreparedBody,
  type QueryInput,
  type RequestBody,
  type XRoadRequestOptions,
} from './request.ts';
import {
  collect,
  createResponse,
  discard,
  gatewayErrorFrom,
  headerValue,
  readXRoadInfo,
  type ResponseHeaders,
  type XRoadResponse,
} from './response.ts';
import { IDEMPOTENT_METHODS, backoff, resolveRetry, retryDelay, type RetryInfo, type RetryOptions, type RetryPolicy } from './retry.ts';
import { isConnectError, transportErrorFrom } from './transport.ts';

/**
 * TLS toward your security server (its HTTPS port, X-Road 8443), optionally with a client certificate.
 *
 * @example
 * ```ts
 * const client = createClient({
 *   securityServer: 'https://ss.example.org:8443',
 *   client: 'EE/GOV/70000002/benefits',
 *   tls: { cert: readFileSync('is-cert.pem'), key: readFileSync('is-key.pem'), ca: readFileSync('ss-ca.pem') },
 * });
 * ```
 */
export interface ClientTlsOptions {
  /** Your information system's certificate (PEM), registered on the security server. */
  readonly cert?: string | Uint8Array;
  /** Its private key (PEM). Keep it out of logs and source control. */
  readonly key?: string | Uint8Array;
  /** Passphrase of an encrypted key. */
  readonly passphrase?: string;
  /** CA certificate(s) (PEM) to trust for the security server's certificate; the system roots otherwise. */
  readonly ca?: string | Uint8Array | readonly (string | Uint8Array)[];
  /** Server name to verify, when it differs from the URL's host. */
  readonly servername?: string;
}

/**
 * Options of {@link createClient}.
 *
 * @example
 * ```ts
 * const options: CreateClientOptions = { securityServer: 'http://localhost:8080', client: 'EE/GOV/70000002/benefits', timeoutMs: 10_000 };
 * const client = createClient(options);
 * ```
 */
export interface CreateClientOptions {
  /** Your own security server's client-facing URL, e.g. `http://ss.example.org:8080` or `https://...:8443`. */
  readonly securityServer: string | URL;
  /** Your subsystem (or member): `X-Road-Client` on every call. */
  readonly client: ClientId | string;
  /** A dispatcher to use instead of the client's own keep-alive pool (e.g. an undici `MockAgent`). Not closed by `close()`. */
  readonly dispatcher?: Dispatcher;
  /** TLS options for an `https://` security server. */
  readonly tls?: ClientTlsOptions;
  /** Default per-call timeout in ms (to the response headers, then between body chunks). Default 60 000; 0 = none. */
  readonly timeoutMs?: number;
  /** Retry policy of idempotent calls; `false` disables retries. */
  readonly retry?: RetryOptions | false;
  /** Headers sent on every call (e.g. `Authorization` for the provider). */
  readonly headers?: HeadersInput;
  /** How strictly identifiers given as text are checked; default `strict` (pr-rest 4.8). */
  readonly identifierValidation?: IdentifierValidation;
  /** Connections kept per security server. Default 16. */
  readonly connections?: number;
}

/**
 * Per-call options shared by calls and metaservices.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * await client.listClients({ signal: controller.signal, timeoutMs: 5_000, retry: false });
 * ```
 */
export interface CallControl {
  /** Cancels the call (and its body stream). */
  readonly signal?: AbortSignal;
  /** Overrides the client's timeout for this call. */
  readonly timeoutMs?: number;
  /** Overrides the retry policy for this call. */
  readonly retry?: RetryOptions | false;
}

/**
 * Options of {@link XRoadClient.call}.
 *
 * @example
 * ```ts
 * const options: CallOptions = { service: 'EE/GOV/70000001/population/persons', method: 'POST', path: '/v1/persons', json: { name: 'Mari' } };
 * const res = await client.call(options);
 * ```
 */
export interface CallOptions extends XRoadRequestOptions, CallControl {
  /** The service: `INSTANCE/CLASS/MEMBER/SUBSYSTEM/CODE` or a `ServiceId`. */
  readonly service: ServiceId | string;
  /** HTTP method; default `GET` (or `POST` when a body or json is given). */
  readonly method?: string;
  /** The path after the service code, percent-encoded, e.g. `/v1/persons/38001010000`. */
  readonly path?: string;
  readonly query?: QueryInput;
  readonly headers?: HeadersInput;
  /** A body: bytes, text or a stream. Streams are sent as they are read and never retried. */
  readonly body?: RequestBody;
  /** A JSON body (sets `Content-Type: application/json` unless you set one). */
  readonly json?: unknown;
  /** Throw a {@link ProviderError} for 4xx/5xx answers of the provider service. Default false. */
  readonly throwOnProviderError?: boolean;
}

/**
 * The answer of {@link XRoadClient.getOpenAPI}.
 *
 * @example
 * ```ts
 * const { text, contentType } = await client.getOpenAPI('EE/GOV/70000001/population', 'persons');
 * const spec = contentType?.includes('json') ? JSON.parse(text) : text;
 * ```
 */
export interface OpenApiDocument {
  /** The document as the provider serves it (JSON or YAML). */
  readonly text: string;
  /** Its `Content-Type`, or undefined when none was given. */
  readonly contentType: string | undefined;
}

/**
 * A client bound to your security server and your client identity.
 *
 * @example
 * ```ts
 * const client: XRoadClient = createClient({ securityServer: 'http://localhost:8080', client: 'EE/GOV/70000002/benefits' });
 * const services = await client.allowedMethods('EE/GOV/70000001/population');
 * await client.close();
 * ```
 */
export interface XRoadClient {
  /** Your client identity. */
  readonly client: ClientId;
  /** Calls a REST service through your security server (pr-rest 4.1). */
  call(options: CallOptions): Promise<XRoadResponse>;
  /** `GET /listClients`: the members and subsystems of an instance (yours by default). */
  listClients(options?: CallControl & { readonly instance?: string }): Promise<readonly ListedClient[]>;
  /** `GET /r1/{provider}/listMethods`: all REST services of a provider subsystem. */
  listMethods(provider: SubsystemId | string, options?: CallControl): Promise<readonly ServiceDescription[]>;
  /** `GET /r1/{provider}/allowedMethods`: what your client may call on the provider. */
  allowedMethods(provider: SubsystemId | string, options?: CallControl): Promise<readonly ServiceDescription[]>;
  /** `GET /r1/{provider}/getOpenAPI?serviceCode=...`: the service's OpenAPI document. */
  getOpenAPI(provider: SubsystemId | string, serviceCode: string, options?: CallControl): Promise<OpenApiDocument>;
  /** Closes the client's connection pool (not a dispatcher you passed in). */
  close(): Promise<void>;
}

interface Exchange {
  readonly method: string;
  readonly target: string;
  readonly headers: Record<string, string | string[]>;
  readonly body: PreparedBody;
  readonly control: CallControl;
}

interface RawResponse {
  readonly status: number;
  readonly headers: ResponseHeaders;
  readonly body: Readable;
}

const PROVIDER_ERROR_BODY_LIMIT = 1024 * 1024;

function checkTimeout(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`timeoutMs must be a finite number >= 0 (0 = no timeout), got ${String(value)}`);
  }
  return value;
}

function originOf(securityServer: string | URL): URL {
  let url: URL;
  try {
    url = new URL(securityServer);
  } catch {
    throw new TypeError(`securityServer must be an absolute URL like http://ss.example.org:8080, got ${String(securityServer)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`securityServer must be http:// or https://, got ${url.protocol}`);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    throw new TypeError('securityServer must be an origin only (scheme, host, port): X-Road paths start at /r1/');
  }
  return url;
}

function toHeaders(raw: Record<string, string | string[] | undefined>): ResponseHeaders {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(raw)) if (value !== undefined) out[name.toLowerCase()] = value;
  return Object.freeze(out);
}

function pemList(ca: ClientTlsOptions['ca']): (string | Buffer)[] | undefined {
  if (ca === undefined) return undefined;
  const list = Array.isArray(ca) ? ca : [ca];
  return list.map((c: string | Uint8Array) => (typeof c === 'string' ? c : Buffer.from(c)));
}

function bytesOrText(value: string | Uint8Array | undefined): string | Buffer | undefined {
  return value === undefined || typeof value === 'string' ? value : Buffer.from(value);
}

/**
 * Creates a client for your own security server. One client holds one keep-alive connection pool: create
 * it once and share it.
 *
 * @example
 * ```ts
 * import { createClient } from '@tonle/client-sdk';
 * const client = createClient({ securityServer: 'http://localhost:8080', client: 'EE/GOV/70000002/benefits' });
 * const res = await client.call({ service: 'EE/GOV/70000001/population/persons', path: '/v1/persons/38001010000' });
 * console.log(res.status, await res.json(), res.xroad.id);
 * await client.close();
 * ```
 */
export function createClient(options: CreateClientOptions): XRoadClient {
  if (typeof options !== 'object' || options === null) throw new TypeError('createClient needs an options object');
  const validation = options.identifierValidation ?? 'strict';
  const origin = originOf(options.securityServer);
  const client = typeof options.client === 'string' ? parseClientId(options.client, { validation }) : options.client;
  if (client?.type !== 'MEMBER' && client?.type !== 'SUBSYSTEM') {
    throw new TypeError('client must be a MemberId/SubsystemId or INSTANCE/CLASS/MEMBER[/SUBSYSTEM]');
  }
  const clientHeader = formatClientId(client);
  const defaultTimeout = checkTimeout(options.timeoutMs, 60_000);
  const defaultRetry = resolveRetry(options.retry);
  if (options.tls !== undefined && origin.protocol !== 'https:') {
    throw new TypeError('tls options need an https:// securityServer');
  }
  if (options.tls !== undefined && options.dispatcher !== undefined) {
    throw new TypeError('pass tls or dispatcher, not both: configure TLS on your own dispatcher');
  }
  const connections = options.connections ?? 16;
  if (!Number.isInteger(connections) || connections < 1) throw new TypeError('connections must be a positive integer');
  const tls = options.tls;
  const owned =
    options.dispatcher === undefined
      ? new Agent({
          connections,
          // Keep connections open between calls (architecture section 5: no per-request handshakes).
          keepAliveTimeout: 30_000,
          ...(tls === undefined
            ? {}
            : {
                connect: {
                  ...(tls.cert === undefined ? {} : { cert: bytesOrText(tls.cert) }),
                  ...(tls.key === undefined ? {} : { key: bytesOrText(tls.key) }),
                  ...(tls.passphrase === undefined ? {} : { passphrase: tls.passphrase }),
                  ...(tls.ca === undefined ? {} : { ca: pemList(tls.ca) }),
                  ...(tls.servername === undefined ? {} : { servername: tls.servername }),
                },
              }),
        })
      : undefined;
  const dispatcher: Dispatcher = options.dispatcher ?? (owned as Dispatcher);
  let closed = false;

  async function attempt(exchange: Exchange, signal: AbortSignal, timeoutMs: number): Promise<RawResponse> {
    const headers = { ...exchange.headers };
    if (exchange.body.contentType !== undefined && headers['content-type'] === undefined) {
      headers['content-type'] = exchange.body.contentType;
    }
    try {
      const res = await dispatcher.request({
        origin: origin.origin,
        path: exchange.target,
        method: exchange.method as Dispatcher.HttpMethod,
        headers,
        body: (exchange.body.body ?? null) as string | Uint8Array | Readable | null,
        signal,
        // After the headers, the timeout bounds the silence between body chunks.
        bodyTimeout: timeoutMs,
        headersTimeout: 0,
      });
      return { status: res.statusCode, headers: toHeaders(res.headers), body: res.body };
    } catch (error) {
      if ((error as { code?: unknown }).code === 'UND_ERR_INVALID_ARG') {
        throw new TypeError(`undici refused the request: ${(error as Error).message}`, { cause: error });
      }
      throw error;
    }
  }

  async function exchangeWithRetries(exchange: Exchange): Promise<RawResponse> {
    if (closed) throw new TypeError('this client is closed; create a new one');
    const timeoutMs = checkTimeout(exchange.control.timeoutMs, defaultTimeout);
    const policy: RetryPolicy = exchange.control.retry === undefined ? defaultRetry : resolveRetry(exchange.control.retry, defaultRetry);
    const retryable = IDEMPOTENT_METHODS.has(exchange.method) && exchange.body.replayable;
    const userSignal = exchange.control.signal;
    const timer = new AbortController();
    const timeout = timeoutMs > 0 ? setTimeout(() => timer.abort(), timeoutMs) : undefined;
    const signal = userSignal === undefined ? timer.signal : AbortSignal.any([userSignal, timer.signal]);
    const stopped = (error: unknown): TransportError => {
      if (userSignal?.aborted === true) {
        return new TransportError(TransportErrorCode.Aborted, 'The call was aborted by its signal', { cause: error });
      }
      if (timer.signal.aborted) {
        return new TransportError(TransportErrorCode.Timeout, `No response within ${timeoutMs} ms; raise timeoutMs if the service is slow`, {
          cause: error,
        });
      }
      return transportErrorFrom(error, 'sending the request');
    };
    try {
      for (let n = 0; ; n += 1) {
        let reason: RetryInfo['reason'];
        let retryAfter: string | undefined;
        try {
          const res = await attempt(exchange, signal, timeoutMs);
          const fault = headerValue(res.headers, XRoadHeader.Error);
          // pr-rest 4.6: NetworkError from the consumer's own security server means the provider never saw the request.
          const networkFault = fault !== undefined && normalizeFaultCode(fault.trim()) === 'Server.ClientProxy.NetworkError';
          if (!retryable || n >= policy.retries || (!networkFault && res.status !== 503)) return res;
          reason = networkFault ? 'network-error-fault' : '503';
          retryAfter = headerValue(res.headers, 'retry-after');
          await discard(res.body);
        } catch (error) {
          if (error instanceof TypeError) throw error;
          if (signal.aborted || !retryable || n >= policy.retries || !isConnectError(error)) throw stopped(error);
          reason = 'connect';
        }
        const delayMs = retryDelay(policy, n + 1, retryAfter);
        policy.onRetry?.({ attempt: n + 1, delayMs, reason });
        try {
          await backoff(delayMs, signal);
        } catch (error) {
          throw stopped(error);
        }
      }
    } finally {
      if (timeout !== undefined) clearTimeout(timeout);
    }
  }

  async function call(callOptions: CallOptions): Promise<XRoadResponse> {
    if (typeof callOptions !== 'object' || callOptions === null) throw new TypeError('call needs an options object');
    const service =
      typeof callOptions.service === 'string' ? parseServiceId(callOptions.service, { validation }) : callOptions.service;
    if (service?.type !== 'SERVICE') throw new TypeError('service must be a ServiceId or INSTANCE/CLASS/MEMBER/SUBSYSTEM/CODE');
    const hasJson = Object.hasOwn(callOptions, 'json');
    const body = prepareBody(callOptions.body, callOptions.json, hasJson);
    const method = (callOptions.method ?? (body.body === undefined ? 'GET' : 'POST')).toUpperCase();
    if (!/^[A-Z]+$/.test(method)) throw new TypeError(`method must be an HTTP method name, got ${callOptions.method}`);
    const target = formatServicePath(service, checkPath(callOptions.path), formatQuery(callOptions.query));
    const headers = buildHeaders(clientHeader, options.headers, callOptions.headers, callOptions, validation);
    const res = await exchangeWithRetries({ method, target, headers, body, control: callOptions });
    const fault = headerValue(res.headers, XRoadHeader.Error);
    if (fault !== undefined) throw await gatewayErrorFrom(res.status, res.headers, res.body, fault, 'lenient');
    const xroad: XRoadResponseInfo = readXRoadInfo(res.headers);
    if (callOptions.throwOnProviderError === true && res.status >= 400) {
      const { bytes, truncated } = await collect(res.body, PROVIDER_ERROR_BODY_LIMIT);
      throw new ProviderError({ status: res.status, headers: res.headers, body: bytes, truncated, xroad });
    }
    return createResponse(res.status, res.headers, res.body, xroad);
  }

  /** A metaservice GET: faults become GatewayErrors, any other non-2xx an InvalidResponseError. */
  async function metaservice(target: string, withClient: boolean, accept: string, control: CallControl | undefined): Promise<RawResponse> {
    const headers = buildHeaders(withClient ? clientHeader : undefined, options.headers, { accept }, {}, validation);
    const res = await exchangeWithRetries({ method: 'GET', target, headers, body: prepareBody(undefined, undefined, false), control: control ?? {} });
    const fault = headerValue(res.headers, XRoadHeader.Error);
    if (fault !== undefined) throw await gatewayErrorFrom(res.status, res.headers, res.body, fault, 'lenient');
    if (res.status < 200 || res.status > 299) {
      await discard(res.body);
      throw new InvalidResponseError(`The security server answered ${res.status} to ${target} without an X-Road-Error fault`, res.status);
    }
    return res;
  }

  async function metaserviceJson(target: string, withClient: boolean, control: CallControl | undefined): Promise<unknown> {
    const res = await metaservice(target, withClient, 'application/json', control);
    const text = new TextDecoder().decode((await collect(res.body)).bytes);
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new InvalidResponseError(`The answer to ${target} is not JSON`, res.status, { cause: error });
    }
  }

  function providerPath(provider: SubsystemId | string, serviceCode: string): string {
    const id = typeof provider === 'string' ? parseClientId(provider, { validation }) : provider;
    if (id?.type !== 'SUBSYSTEM') {
      throw new TypeError('provider must be a subsystem: INSTANCE/CLASS/MEMBER/SUBSYSTEM or a SubsystemId');
    }
    // The metaservice codes sit where a service code would (xroad-digest 2.9).
    return formatServicePath({ ...id, type: 'SERVICE', serviceCode });
  }

  return {
    client,
    call,
    async listClients(control) {
      const instance = control?.instance;
      const target = instance === undefined ? '/listClients' : `/listClients?${new URLSearchParams({ xRoadInstance: instance }).toString()}`;
      return parseListClients(await metaserviceJson(target, false, control));
    },
    async listMethods(provider, control) {
      return parseServiceList(await metaserviceJson(providerPath(provider, 'listMethods'), true, control));
    },
    async allowedMethods(provider, control) {
      return parseServiceList(await metaserviceJson(providerPath(provider, 'allowedMethods'), true, control));
    },
    async getOpenAPI(provider, serviceCode, control) {
      if (typeof serviceCode !== 'string' || serviceCode === '') throw new TypeError('serviceCode must be a non-empty string');
      const query = new URLSearchParams({ serviceCode }).toString();
      const target = `${providerPath(provider, 'getOpenAPI')}?${query}`;
      const res = await metaservice(target, true, 'application/json, application/yaml;q=0.9, */*;q=0.8', control);
      const text = new TextDecoder().decode((await collect(res.body)).bytes);
      return Object.freeze({ text, contentType: headerValue(res.headers, 'content-type') });
    },
    async close() {
      if (closed) return;
      closed = true;
      await owned?.close();
    },
  };
}
