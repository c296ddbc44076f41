import { globalGroupId, memberId, securityServerId, serviceId, subsystemId } from './constructors.ts';
import { IdentifierError, IdentifierErrorCode } from './identifier-error.ts';
import { checkPart, decodePart, encodePart, splitParts } from './parts.ts';
import type {
  ClientId,
  GlobalGroupId,
  IdentifierOptions,
  MemberId,
  RepresentedParty,
  SecurityServerId,
  ServiceId,
  SubsystemId,
  XRoadId,
} from './types.ts';

const CLIENT_FORM = 'INSTANCE/CLASS/MEMBER[/SUBSYSTEM]';
const SERVICE_FORM = 'INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICECODE';
const SERVER_FORM = 'INSTANCE/CLASS/MEMBER/SERVERCODE';
const GROUP_FORM = 'INSTANCE/GROUPCODE';
const PART_NAMES = ['instance', 'memberClass', 'memberCode'] as const;

function decodeAll(raw: readonly string[], names: readonly string[]): string[] {
  return raw.map((part, i) => decodePart(part, names[i] ?? `part ${i + 1}`));
}

/**
 * Parses the `X-Road-Client` form `INSTANCE/CLASS/MEMBER[/SUBSYSTEM]`, each part percent-encoded.
 *
 * @example
 * ```ts
 * parseClientId('EE/GOV/70000001/population');
 * // { type: 'SUBSYSTEM', instance: 'EE', memberClass: 'GOV', memberCode: '70000001', subsystemCode: 'population' }
 * ```
 */
export function parseClientId(text: string, options?: IdentifierOptions): ClientId {
  const raw = splitParts(text, 'A client identifier', [3, 4], CLIENT_FORM);
  const [i, c, m, s] = decodeAll(raw, [...PART_NAMES, 'subsystemCode']) as [string, string, string, string?];
  return s === undefined ? memberId(i, c, m, options) : subsystemId(i, c, m, s, options);
}

/**
 * Formats a client identifier in the `X-Road-Client` form.
 *
 * @example
 * ```ts
 * formatClientId(subsystemId('EE', 'GOV', '70000001', 'population')); // 'EE/GOV/70000001/population'
 * ```
 */
export function formatClientId(id: ClientId): string {
  const parts = [id.instance, id.memberClass, id.memberCode];
  if (id.type === 'SUBSYSTEM') parts.push(id.subsystemCode);
  return parts.map(encodePart).join('/');
}

/**
 * Parses the `X-Road-Service` form `INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICECODE`.
 *
 * @example
 * ```ts
 * parseServiceId('EE/GOV/70000001/population/persons').serviceCode; // 'persons'
 * ```
 */
export function parseServiceId(text: string, options?: IdentifierOptions): ServiceId {
  const raw = splitParts(text, 'A service identifier', [5], SERVICE_FORM);
  const [i, c, m, s, code] = decodeAll(raw, [...PART_NAMES, 'subsystemCode', 'serviceCode']) as [
    string,
    string,
    string,
    string,
    string,
  ];
  return serviceId(i, c, m, s, code, options);
}

/**
 * Formats a service identifier in the `X-Road-Service` form.
 *
 * @example
 * ```ts
 * formatServiceId(serviceId('EE', 'GOV', '70000001', 'population', 'persons'));
 * // 'EE/GOV/70000001/population/persons'
 * ```
 */
export function formatServiceId(id: ServiceId): string {
  return [id.instance, id.memberClass, id.memberCode, id.subsystemCode, id.serviceCode].map(encodePart).join('/');
}

/**
 * Parses the `X-Road-Security-Server` form `INSTANCE/CLASS/MEMBER/SERVERCODE`.
 *
 * @example
 * ```ts
 * parseSecurityServerId('EE/GOV/70000001/ss1').serverCode; // 'ss1'
 * ```
 */
export function parseSecurityServerId(text: string, options?: IdentifierOptions): SecurityServerId {
  const raw = splitParts(text, 'A security server identifier', [4], SERVER_FORM);
  const [i, c, m, code] = decodeAll(raw, [...PART_NAMES, 'serverCode']) as [string, string, string, string];
  return securityServerId(i, c, m, code, options);
}

/**
 * Formats a security server identifier.
 *
 * @example
 * ```ts
 * formatSecurityServerId(securityServerId('EE', 'GOV', '70000001', 'ss1')); // 'EE/GOV/70000001/ss1'
 * ```
 */
export function formatSecurityServerId(id: SecurityServerId): string {
  return [id.instance, id.memberClass, id.memberCode, id.serverCode].map(encodePart).join('/');
}

/**
 * Parses a global group in the form `INSTANCE/GROUPCODE`.
 *
 * @example
 * ```ts
 * parseGlobalGroupId('EE/security-server-owners').groupCode; // 'security-server-owners'
 * ```
 */
export function parseGlobalGroupId(text: string, options?: IdentifierOptions): GlobalGroupId {
  const raw = splitParts(text, 'A global group identifier', [2], GROUP_FORM);
  const [i, code] = decodeAll(raw, ['instance', 'groupCode']) as [string, string];
  return globalGroupId(i, code, options);
}

/**
 * Formats a global group identifier as `INSTANCE/GROUPCODE`.
 *
 * @example
 * ```ts
 * formatGlobalGroupId(globalGroupId('EE', 'security-server-owners')); // 'EE/security-server-owners'
 * ```
 */
export function formatGlobalGroupId(id: GlobalGroupId): string {
  return `${encodePart(id.instance)}/${encodePart(id.groupCode)}`;
}

/**
 * Parses `X-Road-Represented-Party`: `CLASS/CODE` or just `CODE`.
 *
 * @example
 * ```ts
 * parseRepresentedParty('COM/12345'); // { partyClass: 'COM', partyCode: '12345' }
 * ```
 */
export function parseRepresentedParty(text: string, options?: IdentifierOptions): RepresentedParty {
  const raw = splitParts(text, 'A represented party', [1, 2], '[CLASS/]CODE');
  if (raw.length === 1) {
    return Object.freeze({ partyCode: checkPart(decodePart(raw[0] as string, 'partyCode'), 'partyCode', options) });
  }
  return Object.freeze({
    partyClass: checkPart(decodePart(raw[0] as string, 'partyClass'), 'partyClass', options),
    partyCode: checkPart(decodePart(raw[1] as string, 'partyCode'), 'partyCode', options),
  });
}

/**
 * Formats a represented party as `CLASS/CODE` or `CODE`.
 *
 * @example
 * ```ts
 * formatRepresentedParty({ partyClass: 'COM', partyCode: '12345' }); // 'COM/12345'
 * ```
 */
export function formatRepresentedParty(party: RepresentedParty): string {
  return party.partyClass === undefined
    ? encodePart(party.partyCode)
    : `${encodePart(party.partyClass)}/${encodePart(party.partyCode)}`;
}

/** The longest request target the client proxy accepts; pr-rest recommends capping URIs near 2000. */
export const MAX_SERVICE_PATH_LENGTH = 4096;

/** A request target on the client proxy, split into its parts. */
export interface ServicePath {
  /** Always `r1`: the only protocol version there is. */
  readonly protocolVersion: 'r1';
  readonly service: ServiceId;
  /** The rest of the path after the service code, raw (still percent-encoded): `''` or `/...`. */
  readonly path: string;
  /** The raw query without `?`, or undefined when the target had none. */
  readonly query: string | undefined;
}

/**
 * Parses a client-proxy request target `/r1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICECODE[/path][?query]`.
 * Path and query after the service code are kept raw: pr-rest 2.1 passes them to the provider unchanged.
 *
 * @example
 * ```ts
 * const { service, path, query } = parseServicePath('/r1/EE/GOV/70000001/population/persons/v1/38001010000?x=1');
 * // service.serviceCode === 'persons', path === '/v1/38001010000', query === 'x=1'
 * ```
 */
export function parseServicePath(target: string, options?: IdentifierOptions): ServicePath {
  if (typeof target !== 'string') {
    throw new IdentifierError(IdentifierErrorCode.NotAString, 'A service path must be a string');
  }
  if (target.length > MAX_SERVICE_PATH_LENGTH) {
    throw new IdentifierError(
      IdentifierErrorCode.InvalidPath,
      `The request target is ${target.length} characters long; the limit is ${MAX_SERVICE_PATH_LENGTH}`,
    );
  }
  if (!target.startsWith('/')) {
    throw new IdentifierError(IdentifierErrorCode.InvalidPath, 'A service path must start with /r1/');
  }
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? undefined : target.slice(q + 1);
  const segments = rawPath.split('/');
  const version = segments[1] ?? '';
  if (!/^r\d$/.test(version)) {
    throw new IdentifierError(
      IdentifierErrorCode.InvalidProtocolVersion,
      `A service path must start with /r1/; got '/${version.slice(0, 16)}'`,
    );
  }
  if (version !== 'r1') {
    throw new IdentifierError(
      IdentifierErrorCode.UnsupportedProtocolVersion,
      `Protocol version ${version} is not supported; use r1`,
    );
  }
  if (segments.length < 7) {
    throw new IdentifierError(
      IdentifierErrorCode.WrongPartCount,
      `A service path must have the form /r1/${SERVICE_FORM}[/path]; got ${Math.max(segments.length - 2, 0)} identifier parts`,
    );
  }
  const names = [...PART_NAMES, 'subsystemCode', 'serviceCode'];
  const [i, c, m, s, code] = decodeAll(segments.slice(2, 7), names) as [string, string, string, string, string];
  const service = serviceId(i, c, m, s, code, options);
  const path = segments.length > 7 ? `/${segments.slice(7).join('/')}` : '';
  return Object.freeze({ protocolVersion: 'r1', service, path, query });
}

/**
 * Formats a client-proxy request target for a service, appending the raw path and query unchanged.
 *
 * @example
 * ```ts
 * formatServicePath(serviceId('EE', 'GOV', '70000001', 'population', 'persons'), '/v1/1', 'x=1');
 * // '/r1/EE/GOV/70000001/population/persons/v1/1?x=1'
 * ```
 */
export function formatServicePath(service: ServiceId, path = '', query?: string): string {
  if (path !== '' && !path.startsWith('/')) {
    throw new TypeError(`formatServicePath: path must be empty or start with '/', got '${path}'`);
  }
  return `/r1/${formatServiceId(service)}${path}${query === undefined ? '' : `?${query}`}`;
}

/**
 * The typed text form used in logs and messages: `SUBSYSTEM:EE/GOV/70000001/population`.
 *
 * @example
 * ```ts
 * describeId(memberId('EE', 'GOV', '70000001')); // 'MEMBER:EE/GOV/70000001'
 * ```
 */
export function describeId(id: XRoadId): string {
  switch (id.type) {
    case 'MEMBER':
    case 'SUBSYSTEM':
      return `${id.type}:${formatClientId(id)}`;
    case 'SERVICE':
      return `SERVICE:${formatServiceId(id)}`;
    case 'SERVER':
      return `SERVER:${formatSecurityServerId(id)}`;
    case 'GLOBALGROUP':
      return `GLOBALGROUP:${formatGlobalGroupId(id)}`;
    case 'LOCALGROUP':
      return `LOCALGROUP:${encodePart(id.groupCode)}`;
  }
}

/**
 * The member behind a subsystem, service or security server (the owner whose signing key signs).
 *
 * @example
 * ```ts
 * memberOf(parseServiceId('EE/GOV/70000001/population/persons')); // MEMBER:EE/GOV/70000001
 * ```
 */
export function memberOf(id: MemberId | SubsystemId | ServiceId | SecurityServerId): MemberId {
  return Object.freeze({ type: 'MEMBER', instance: id.instance, memberClass: id.memberClass, memberCode: id.memberCode });
}

/**
 * The subsystem that provides a service.
 *
 * @example
 * ```ts
 * providerOf(parseServiceId('EE/GOV/70000001/population/persons')); // SUBSYSTEM:EE/GOV/70000001/population
 * ```
 */
export function providerOf(id: ServiceId): SubsystemId {
  return Object.freeze({
    type: 'SUBSYSTEM',
    instance: id.instance,
    memberClass: id.memberClass,
    memberCode: id.memberCode,
    subsystemCode: id.subsystemCode,
  });
}

/**
 * Whether two identifiers name the same thing (same type and the same parts).
 *
 * @example
 * ```ts
 * sameId(parseClientId('EE/GOV/1'), memberId('EE', 'GOV', '1')); // true
 * ```
 */
export function sameId(a: XRoadId, b: XRoadId): boolean {
  return describeId(a) === describeId(b);
}
