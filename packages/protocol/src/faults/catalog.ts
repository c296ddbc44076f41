/**
 * The wire fault catalog: every fault code a Tonle security server emits, with its HTTP status and the
 * default message. Codes use X-Road's documented PascalCase form (pr-rest 4.6): origin `Client`
 * (the caller's fault), `Server.ClientProxy` (the consumer's security server) or `Server.ServerProxy`
 * (the provider's security server), then X-Road's leaf name. Retired codes are never reused.
 *
 * The status of every code is checked by the compiler: `Client.*` codes must be 4xx and `Server.*` codes
 * 5xx (X-Road `ClientRestMessageHandler.sendErrorResponse`), and a code without an entry does not compile.
 */
type StatusFor<C extends string> = C extends `Client.${string}`
  ? 400 | 401 | 403 | 404 | 405 | 408 | 413 | 415 | 429
  : 500 | 502 | 503 | 504;

interface FaultSpec<C extends string> {
  readonly status: StatusFor<C>;
  /** The default wire message; a raise site may give a more precise one. */
  readonly message: string;
}

const CODES = [
  'Client.BadRequest',
  'Client.InvalidProtocolVersion',
  'Client.InvalidClientIdentifier',
  'Client.InvalidServiceIdentifier',
  'Client.InvalidSecurityServer',
  'Client.MissingHeaderField',
  'Client.InvalidHttpMethod',
  'Client.RequestTooLarge',
  'Client.RequestTimeout',
  // Answered by a provider service (client SDK provider helper) to a peer that is not its security server.
  'Client.UntrustedSource',
  'Server.ClientProxy.UnknownMember',
  'Server.ClientProxy.UnknownService',
  'Server.ClientProxy.SslAuthenticationFailed',
  'Server.ClientProxy.OutdatedGlobalConf',
  'Server.ClientProxy.NetworkError',
  'Server.ClientProxy.MaintenanceMode',
  'Server.ClientProxy.CannotCreateSignature',
  'Server.ClientProxy.InvalidSignatureValue',
  'Server.ClientProxy.MissingSignature',
  'Server.ClientProxy.CertValidation',
  'Server.ClientProxy.IncorrectValidationInfo',
  'Server.ClientProxy.InconsistentResponse',
  'Server.ClientProxy.InvalidResponse',
  'Server.ClientProxy.LoggingFailed',
  'Server.ClientProxy.LoggingFailed.TimestamperFailed',
  'Server.ClientProxy.Timeout',
  'Server.ClientProxy.InternalError',
  'Server.ServerProxy.UnknownMember',
  'Server.ServerProxy.UnknownService',
  'Server.ServerProxy.ServiceDisabled',
  'Server.ServerProxy.ServiceType',
  'Server.ServerProxy.AccessDenied',
  'Server.ServerProxy.SslAuthenticationFailed',
  'Server.ServerProxy.OutdatedGlobalConf',
  'Server.ServerProxy.MaintenanceMode',
  'Server.ServerProxy.InvalidSignatureValue',
  'Server.ServerProxy.MissingSignature',
  'Server.ServerProxy.CertValidation',
  'Server.ServerProxy.IncorrectValidationInfo',
  'Server.ServerProxy.InvalidRequest',
  'Server.ServerProxy.RequestTooLarge',
  'Server.ServerProxy.ClientProxyVersionNotSupported',
  'Server.ServerProxy.ServiceMissingUrl',
  'Server.ServerProxy.ServiceMalformedUrl',
  'Server.ServerProxy.ServiceFailed',
  'Server.ServerProxy.ServiceFailed.Timeout',
  'Server.ServerProxy.NetworkError',
  'Server.ServerProxy.CannotCreateSignature',
  'Server.ServerProxy.LoggingFailed',
  'Server.ServerProxy.LoggingFailed.TimestamperFailed',
  'Server.ServerProxy.InternalError',
] as const;

/** Every fault code on the wire. */
export type FaultCode = (typeof CODES)[number];

/** The origin part of a fault code: whose fault it is. */
export type FaultOrigin = 'Client' | 'Server.ClientProxy' | 'Server.ServerProxy';

/**
 * The catalog: status and default message of each code.
 *
 * @example
 * ```ts
 * import { FAULTS } from '@tonle/protocol';
 * FAULTS['Server.ServerProxy.AccessDenied'].status; // 500
 * ```
 */
export const FAULTS: { readonly [C in FaultCode]: FaultSpec<C> } = {
  'Client.BadRequest': { status: 400, message: 'The request does not follow the X-Road REST protocol r1' },
  'Client.InvalidProtocolVersion': { status: 400, message: 'Unsupported protocol version; the path must start with /r1/' },
  'Client.InvalidClientIdentifier': { status: 400, message: 'The X-Road-Client header is not a valid client identifier' },
  'Client.InvalidServiceIdentifier': { status: 400, message: 'The request path does not name a valid service' },
  'Client.InvalidSecurityServer': { status: 400, message: 'The X-Road-Security-Server header is not a valid security server identifier' },
  'Client.MissingHeaderField': { status: 400, message: 'A required X-Road header is missing' },
  'Client.InvalidHttpMethod': { status: 405, message: 'The HTTP method is not supported' },
  'Client.RequestTooLarge': { status: 413, message: 'The request body is larger than this security server accepts' },
  'Client.RequestTimeout': { status: 408, message: 'The request was not received in time' },
  'Client.UntrustedSource': { status: 403, message: 'The service accepts calls only from its own security server' },
  'Server.ClientProxy.UnknownMember': { status: 500, message: 'The client is not registered on this security server' },
  'Server.ClientProxy.UnknownService': { status: 500, message: 'No security server in the global configuration provides this service' },
  'Server.ClientProxy.SslAuthenticationFailed': { status: 500, message: 'The information system did not authenticate as its client requires' },
  'Server.ClientProxy.OutdatedGlobalConf': { status: 500, message: 'The global configuration is expired; no exchange until a fresh one is verified' },
  'Server.ClientProxy.NetworkError': { status: 500, message: "Could not reach the provider's security server" },
  'Server.ClientProxy.MaintenanceMode': { status: 500, message: "Every security server of the provider is in maintenance mode" },
  'Server.ClientProxy.CannotCreateSignature': { status: 500, message: 'The request could not be signed' },
  'Server.ClientProxy.InvalidSignatureValue': { status: 500, message: "The response's signature does not verify" },
  'Server.ClientProxy.MissingSignature': { status: 500, message: 'The response carries no signature' },
  'Server.ClientProxy.CertValidation': { status: 500, message: "The provider's certificate could not be validated" },
  'Server.ClientProxy.IncorrectValidationInfo': { status: 500, message: "The provider's OCSP response is missing, stale or not good" },
  'Server.ClientProxy.InconsistentResponse': { status: 500, message: 'The response does not match the request' },
  'Server.ClientProxy.InvalidResponse': { status: 500, message: "The provider's security server sent a malformed response" },
  'Server.ClientProxy.LoggingFailed': { status: 500, message: 'The message could not be written to the message log' },
  'Server.ClientProxy.LoggingFailed.TimestamperFailed': { status: 500, message: 'Cannot time-stamp messages; logging is refused until time-stamping recovers' },
  'Server.ClientProxy.Timeout': { status: 504, message: "The provider's security server did not answer in time" },
  'Server.ClientProxy.InternalError': { status: 500, message: 'Internal error in the security server' },
  'Server.ServerProxy.UnknownMember': { status: 500, message: 'The provider is not hosted on this security server' },
  'Server.ServerProxy.UnknownService': { status: 500, message: 'The service is not configured on the provider' },
  'Server.ServerProxy.ServiceDisabled': { status: 500, message: 'The service is disabled' },
  'Server.ServerProxy.ServiceType': { status: 500, message: 'The service is not a REST service' },
  'Server.ServerProxy.AccessDenied': { status: 500, message: 'Request is not allowed' },
  'Server.ServerProxy.SslAuthenticationFailed': { status: 500, message: "The consumer's security server is not registered for this client" },
  'Server.ServerProxy.OutdatedGlobalConf': { status: 500, message: "The provider's global configuration is expired" },
  'Server.ServerProxy.MaintenanceMode': { status: 500, message: "The provider's security server is in maintenance mode" },
  'Server.ServerProxy.InvalidSignatureValue': { status: 500, message: "The request's signature does not verify" },
  'Server.ServerProxy.MissingSignature': { status: 500, message: 'The request carries no signature' },
  'Server.ServerProxy.CertValidation': { status: 500, message: "The consumer's certificate could not be validated" },
  'Server.ServerProxy.IncorrectValidationInfo': { status: 500, message: "The consumer's OCSP response is missing, stale or not good" },
  'Server.ServerProxy.InvalidRequest': { status: 500, message: "The consumer's security server sent a malformed request" },
  'Server.ServerProxy.RequestTooLarge': { status: 500, message: 'The request body is larger than the provider accepts' },
  'Server.ServerProxy.ClientProxyVersionNotSupported': { status: 500, message: "The consumer's security server version is not supported" },
  'Server.ServerProxy.ServiceMissingUrl': { status: 500, message: 'The service has no address configured' },
  'Server.ServerProxy.ServiceMalformedUrl': { status: 500, message: 'The service address is malformed' },
  'Server.ServerProxy.ServiceFailed': { status: 500, message: 'The service failed' },
  'Server.ServerProxy.ServiceFailed.Timeout': { status: 500, message: 'The service did not answer in time' },
  'Server.ServerProxy.NetworkError': { status: 500, message: 'Could not reach the service' },
  'Server.ServerProxy.CannotCreateSignature': { status: 500, message: 'The response could not be signed' },
  'Server.ServerProxy.LoggingFailed': { status: 500, message: 'The message could not be written to the message log' },
  'Server.ServerProxy.LoggingFailed.TimestamperFailed': { status: 500, message: 'Cannot time-stamp messages; logging is refused until time-stamping recovers' },
  'Server.ServerProxy.InternalError': { status: 500, message: 'Internal error in the security server' },
};

/** Every code of the catalog, in catalog order. */
export const FAULT_CODES: readonly FaultCode[] = CODES;

/**
 * Whether a string is a catalog code.
 *
 * @example
 * ```ts
 * isFaultCode('Server.ServerProxy.AccessDenied'); // true
 * ```
 */
export function isFaultCode(value: unknown): value is FaultCode {
  return typeof value === 'string' && Object.hasOwn(FAULTS, value);
}

/**
 * The origin of a code.
 *
 * @example
 * ```ts
 * faultOrigin('Server.ClientProxy.NetworkError'); // 'Server.ClientProxy'
 * ```
 */
export function faultOrigin(code: FaultCode): FaultOrigin {
  if (code.startsWith('Client.')) return 'Client';
  return code.startsWith('Server.ClientProxy.') ? 'Server.ClientProxy' : 'Server.ServerProxy';
}

function snake(pascal: string): string {
  return pascal.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2').toLowerCase();
}

/** X-Road 7.8 spells codes in lower snake case (`server.serverproxy.access_denied`); map them back. */
const BY_78_SPELLING: ReadonlyMap<string, FaultCode> = new Map(
  CODES.map((code) => {
    const [first, ...rest] = code.split('.');
    const originWords = first === 'Client' ? 1 : 2;
    const origin = [first, ...rest.slice(0, originWords - 1)].join('.').toLowerCase();
    const leaves = rest.slice(originWords - 1).map(snake).join('.');
    return [`${origin}.${leaves}`, code];
  }),
);

/**
 * Normalises a fault code received from a peer: accepts X-Road's PascalCase (<= 7.7) and lower snake
 * case (7.8) spellings; unknown codes give undefined.
 *
 * @example
 * ```ts
 * normalizeFaultCode('server.serverproxy.access_denied'); // 'Server.ServerProxy.AccessDenied'
 * ```
 */
export function normalizeFaultCode(value: string): FaultCode | undefined {
  if (isFaultCode(value)) return value;
  return BY_78_SPELLING.get(value.toLowerCase());
}
