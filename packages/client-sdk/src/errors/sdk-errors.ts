import type { ClientId, FaultCode, ServiceId } from '@tonle/protocol';

/**
 * What the security server said about one exchange (pr-rest 4.3 response headers). Every field is
 * undefined when the header was absent or not a well-formed identifier.
 *
 * @example
 * ```ts
 * const { id, requestId, requestHash, service } = (await client.call({ service: svc })).xroad;
 * ```
 */
export interface XRoadResponseInfo {
  /** `X-Road-Id`: the message id (the one you sent, or the one the security server generated). */
  readonly id: string | undefined;
  /** `X-Road-Request-Id`: the security server's fresh UUID for this exchange. */
  readonly requestId: string | undefined;
  /** `X-Road-Request-Hash`: binds the response to the exact request (pr-rest 4.5). */
  readonly requestHash: string | undefined;
  /** `X-Road-Client`, echoed by the security server. */
  readonly client: ClientId | undefined;
  /** `X-Road-Service`: the service that answered. */
  readonly service: ServiceId | undefined;
}

/**
 * A fault code the catalog does not know (a newer X-Road version, a vendor extension).
 *
 * @example
 * ```ts
 * if (isGatewayError(e) && e.code === 'Unrecognized') console.log('new fault code', e.wireCode);
 * ```
 */
export type UnrecognizedFaultCode = 'Unrecognized';

/**
 * The `code` of a {@link GatewayError}: a catalog code, or `'Unrecognized'` (then see `wireCode`).
 *
 * @example
 * ```ts
 * function isRetryLater(code: GatewayErrorCode): boolean {
 *   return code === 'Server.ClientProxy.OutdatedGlobalConf' || code === 'Server.ServerProxy.MaintenanceMode';
 * }
 * ```
 */
export type GatewayErrorCode = FaultCode | UnrecognizedFaultCode;

/**
 * The codes of {@link TransportError}.
 *
 * @example
 * ```ts
 * if (isTransportError(e) && e.code === TransportErrorCode.Connect) console.log('security server down?');
 * ```
 */
export const TransportErrorCode = {
  /** No connection to the security server could be made: the request was never sent. */
  Connect: 'TONLE_ERR_SDK_CONNECT',
  /** The connection failed while the request or response was in flight. */
  Network: 'TONLE_ERR_SDK_NETWORK',
  /** The call did not complete within `timeoutMs`. */
  Timeout: 'TONLE_ERR_SDK_TIMEOUT',
  /** The caller's `AbortSignal` fired. */
  Aborted: 'TONLE_ERR_SDK_ABORTED',
} as const;

/** One of the {@link TransportErrorCode} values. */
export type TransportErrorCode = (typeof TransportErrorCode)[keyof typeof TransportErrorCode];

/**
 * The code of {@link InvalidResponseError}.
 *
 * @example
 * ```ts
 * if (isInvalidResponseError(e)) console.log(e.code === INVALID_RESPONSE_CODE); // true
 * ```
 */
export const INVALID_RESPONSE_CODE = 'TONLE_ERR_SDK_INVALID_RESPONSE';

const KINDS = new Set(['gateway', 'provider', 'transport', 'invalid-response']);

function hasKind(value: unknown, name: string, kind: string): boolean {
  // Matched by name and kind, not instanceof, so two copies of this package still recognise each other.
  return (
    value instanceof Error &&
    value.name === name &&
    KINDS.has(String((value as { kind?: unknown }).kind)) &&
    (value as { kind?: unknown }).kind === kind
  );
}

/**
 * Options of a {@link GatewayError}.
 *
 * @example
 * ```ts
 * // For tests of your error handling:
 * const e = new GatewayError({ code: 'Server.ServerProxy.AccessDenied', wireCode: 'Server.ServerProxy.AccessDenied', status: 500, message: 'Request is not allowed', detail: 'f-1', xroad: readXRoadInfo({}) });
 * ```
 */
export interface GatewayErrorInit {
  readonly code: GatewayErrorCode;
  readonly wireCode: string;
  readonly status: number;
  readonly message: string;
  readonly detail: string | undefined;
  readonly xroad: XRoadResponseInfo;
}

/**
 * A fault raised inside X-Road: the response carried the `X-Road-Error` header (pr-rest 4.6). The
 * consumer's or the provider's security server refused or failed the exchange; the provider service's
 * own error responses never produce this error.
 *
 * @example
 * ```ts
 * import { isGatewayError } from '@tonle/client-sdk';
 * try {
 *   await client.call({ service: 'EE/GOV/70000001/population/persons', path: '/v1/persons/1' });
 * } catch (e) {
 *   if (isGatewayError(e) && e.code === 'Server.ServerProxy.AccessDenied') {
 *     console.error(`ask the provider for access; quote fault id ${e.detail}`);
 *   }
 * }
 * ```
 */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  readonly kind = 'gateway' as const;
  /** The catalog code (X-Road 7.8's lower snake case spellings are normalised to it). */
  readonly code: GatewayErrorCode;
  /** The code exactly as the `X-Road-Error` header carried it. */
  readonly wireCode: string;
  /** The HTTP status of the fault response. */
  readonly status: number;
  /** The fault id (`detail`): the UUID the security server also logged; quote it in support requests. */
  readonly detail: string | undefined;
  /** The X-Road response headers of the fault response. */
  readonly xroad: XRoadResponseInfo;

  constructor(init: GatewayErrorInit) {
    super(init.message);
    this.code = init.code;
    this.wireCode = init.wireCode;
    this.status = init.status;
    this.detail = init.detail;
    this.xroad = init.xroad;
  }
}

/**
 * Options of a {@link ProviderError}.
 *
 * @example
 * ```ts
 * // For tests of your error handling:
 * const e = new ProviderError({ status: 404, headers: {}, body: new TextEncoder().encode('{}'), truncated: false, xroad: readXRoadInfo({}) });
 * ```
 */
export interface ProviderErrorInit {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[]>>;
  readonly body: Uint8Array;
  readonly truncated: boolean;
  readonly xroad: XRoadResponseInfo;
}

/**
 * The provider service answered with an HTTP error status (4xx/5xx, no `X-Road-Error`). Thrown only when
 * the call asked for it with `throwOnProviderError: true`; otherwise the response is returned as it is,
 * because pr-rest 4.6 passes provider errors through unchanged.
 *
 * @example
 * ```ts
 * import { isProviderError } from '@tonle/client-sdk';
 * try {
 *   await client.call({ service, path: '/v1/persons/0', throwOnProviderError: true });
 * } catch (e) {
 *   if (isProviderError(e) && e.status === 404) console.log('no such person', e.text());
 * }
 * ```
 */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  readonly kind = 'provider' as const;
  readonly code = 'TONLE_ERR_SDK_PROVIDER_ERROR' as const;
  readonly status: number;
  /** Response headers, names in lower case. */
  readonly headers: Readonly<Record<string, string | string[]>>;
  /** The response body (at most the first MiB). */
  readonly body: Uint8Array;
  /** True when the body was longer than what is kept in `body`. */
  readonly truncated: boolean;
  readonly xroad: XRoadResponseInfo;

  constructor(init: ProviderErrorInit) {
    super(`The provider service answered ${init.status}; see status and body`);
    this.status = init.status;
    this.headers = init.headers;
    this.body = init.body;
    this.truncated = init.truncated;
    this.xroad = init.xroad;
  }

  /** The body as UTF-8 text. */
  text(): string {
    return new TextDecoder().decode(this.body);
  }
}

/**
 * The exchange with your security server failed below HTTP: no connection, a broken connection, the
 * call's timeout, or the caller's abort. `code` says which.
 *
 * @example
 * ```ts
 * import { isTransportError } from '@tonle/client-sdk';
 * try {
 *   await client.call({ service, path: '/v1/slow', timeoutMs: 2000 });
 * } catch (e) {
 *   if (isTransportError(e) && e.code === 'TONLE_ERR_SDK_TIMEOUT') console.log('try again later');
 * }
 * ```
 */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  readonly kind = 'transport' as const;
  readonly code: TransportErrorCode;

  constructor(code: TransportErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

/**
 * The security server's answer does not have the shape the protocol promises (a metaservice answer
 * that is not the documented JSON, for instance). Nothing in it is trusted.
 *
 * @example
 * ```ts
 * import { isInvalidResponseError } from '@tonle/client-sdk';
 * try { await client.listClients(); } catch (e) {
 *   if (isInvalidResponseError(e)) console.error('is this really a security server?', e.status);
 * }
 * ```
 */
export class InvalidResponseError extends Error {
  override readonly name = 'InvalidResponseError';
  readonly kind = 'invalid-response' as const;
  readonly code = INVALID_RESPONSE_CODE;
  /** The HTTP status of the answer, when there was one. */
  readonly status: number | undefined;

  constructor(message: string, status?: number, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
  }
}

/**
 * Every error a call can reject with (besides `TypeError` for misuse and `IdentifierError` for a
 * malformed identifier you passed): discriminated by `kind`.
 *
 * @example
 * ```ts
 * function describe(e: ClientSdkError): string {
 *   switch (e.kind) {
 *     case 'gateway': return `X-Road fault ${e.code} (${e.detail})`;
 *     case 'provider': return `provider answered ${e.status}`;
 *     case 'transport': return `network: ${e.code}`;
 *     case 'invalid-response': return 'malformed answer';
 *   }
 * }
 * ```
 */
export type ClientSdkError = GatewayError | ProviderError | TransportError | InvalidResponseError;

/**
 * True for a {@link GatewayError}, also one from another copy of this package.
 *
 * @example
 * ```ts
 * if (isGatewayError(e)) console.log(e.code, e.status, e.detail);
 * ```
 */
export function isGatewayError(value: unknown): value is GatewayError {
  return hasKind(value, 'GatewayError', 'gateway');
}

/**
 * True for a {@link ProviderError}.
 *
 * @example
 * ```ts
 * if (isProviderError(e)) console.log(e.status, e.text());
 * ```
 */
export function isProviderError(value: unknown): value is ProviderError {
  return hasKind(value, 'ProviderError', 'provider');
}

/**
 * True for a {@link TransportError}.
 *
 * @example
 * ```ts
 * if (isTransportError(e) && e.code === 'TONLE_ERR_SDK_CONNECT') console.log('is the security server up?');
 * ```
 */
export function isTransportError(value: unknown): value is TransportError {
  return hasKind(value, 'TransportError', 'transport');
}

/**
 * True for an {@link InvalidResponseError}.
 *
 * @example
 * ```ts
 * if (isInvalidResponseError(e)) console.log(e.status);
 * ```
 */
export function isInvalidResponseError(value: unknown): value is InvalidResponseError {
  return hasKind(value, 'InvalidResponseError', 'invalid-response');
}

/**
 * True for any error of {@link ClientSdkError}.
 *
 * @example
 * ```ts
 * if (isClientSdkError(e)) console.log(e.kind);
 * ```
 */
export function isClientSdkError(value: unknown): value is ClientSdkError {
  return isGatewayError(value) || isProviderError(value) || isTransportError(value) || isInvalidResponseError(value);
}
