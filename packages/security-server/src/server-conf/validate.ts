import {
  describeId,
  globalGroupId,
  IdentifierError,
  localGroupId,
  memberId,
  providerOf,
  securityServerId,
  serviceId,
  subsystemId,
} from '@tonle/protocol';
import type { ClientId, GlobalGroupId, LocalGroupId, MemberId, ServiceId, SubsystemId } from '@tonle/protocol';
import { AccessControlError, validateEndpointMethod, validatePathGlob } from '../access-control/index.ts';
import { ServerConfError } from './errors.ts';
import { CLIENT_STATUSES, IS_AUTHENTICATION_MODES, RESERVED_SERVICE_CODES, SERVICE_TYPES } from './types.ts';
import type {
  AccessRight,
  AccessSubject,
  Endpoint,
  HostedClient,
  LocalGroup,
  ServerConfState,
  ServiceConf,
  ServiceOpenApi,
} from './types.ts';

// Local configuration is typed in by operators: identifiers use X-Road's strict character set.
type Obj = Record<string, unknown>;

function invalid(path: string, message: string): never {
  throw new ServerConfError('TONLE_ERR_SERVERCONF_INVALID_VALUE', `${path}: ${message}`, { path });
}

function obj(value: unknown, path: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(path, 'must be an object');
  return value as Obj;
}

function arr(value: unknown, path: string, max = 100_000): readonly unknown[] {
  if (!Array.isArray(value)) invalid(path, 'must be an array');
  if (value.length > max) invalid(path, `must have at most ${max} entries`);
  return value;
}

function str(value: unknown, path: string, max = 255): string {
  if (typeof value !== 'string') invalid(path, 'must be a string');
  if (value.length > max) invalid(path, `must be at most ${max} characters`);
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(value)) invalid(path, 'must not contain control characters');
  return value;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], path: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    invalid(path, `must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

function identifier<T>(path: string, build: () => T): T {
  try {
    return build();
  } catch (e) {
    if (e instanceof IdentifierError) {
      throw new ServerConfError('TONLE_ERR_SERVERCONF_INVALID_IDENTIFIER', `${path}: ${e.message}`, { path, cause: e });
    }
    throw e;
  }
}

function part(o: Obj, key: string): string {
  return o[key] as string;
}

export function parseMemberId(value: unknown, path: string): MemberId {
  const o = obj(value, path);
  if (o['type'] !== 'MEMBER') invalid(`${path}.type`, 'must be MEMBER');
  return identifier(path, () => memberId(part(o, 'instance'), part(o, 'memberClass'), part(o, 'memberCode')));
}

export function parseSubsystemId(value: unknown, path: string): SubsystemId {
  const o = obj(value, path);
  if (o['type'] !== 'SUBSYSTEM') invalid(`${path}.type`, 'must be SUBSYSTEM');
  return identifier(path, () =>
    subsystemId(part(o, 'instance'), part(o, 'memberClass'), part(o, 'memberCode'), part(o, 'subsystemCode')),
  );
}

export function parseClientIdObject(value: unknown, path: string): ClientId {
  const o = obj(value, path);
  return o['type'] === 'MEMBER' ? parseMemberId(o, path) : parseSubsystemId(o, path);
}

export function parseServiceIdObject(value: unknown, path: string): ServiceId {
  const o = obj(value, path);
  if (o['type'] !== 'SERVICE') invalid(`${path}.type`, 'must be SERVICE');
  return identifier(path, () =>
    serviceId(
      part(o, 'instance'),
      part(o, 'memberClass'),
      part(o, 'memberCode'),
      part(o, 'subsystemCode'),
      part(o, 'serviceCode'),
    ),
  );
}

function parseSubject(value: unknown, path: string): AccessSubject {
  const o = obj(value, path);
  switch (o['type']) {
    case 'SUBSYSTEM':
      return parseSubsystemId(o, path);
    case 'GLOBALGROUP':
      return identifier(path, (): GlobalGroupId => globalGroupId(part(o, 'instance'), part(o, 'groupCode')));
    case 'LOCALGROUP':
      return identifier(path, (): LocalGroupId => localGroupId(part(o, 'groupCode')));
    default:
      return invalid(`${path}.type`, 'an access right subject must be a SUBSYSTEM, GLOBALGROUP or LOCALGROUP');
  }
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

function certHashes(value: unknown, path: string): readonly string[] {
  const hashes = arr(value, path, 1000).map((h, i) => {
    const s = str(h, `${path}[${i}]`, 64);
    if (!SHA256_HEX.test(s)) invalid(`${path}[${i}]`, 'must be a lower-case SHA-256 hex digest (64 characters)');
    return s;
  });
  if (new Set(hashes).size !== hashes.length) dup(path, 'lists a certificate hash twice');
  return Object.freeze(hashes);
}

function dup(path: string, message: string): never {
  throw new ServerConfError('TONLE_ERR_SERVERCONF_DUPLICATE', `${path}: ${message}`, { path });
}

export function parseServiceUrl(value: unknown, path: string): string {
  const text = str(value, path, 2048);
  let url: URL;
  try {
    url = new URL(text);
  } catch (e) {
    throw new ServerConfError('TONLE_ERR_SERVERCONF_INVALID_URL', `${path}: not an absolute URL`, { path, cause: e });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ServerConfError('TONLE_ERR_SERVERCONF_INVALID_URL', `${path}: must be an http: or https: URL`, { path });
  }
  if (url.username !== '' || url.password !== '' || url.hash !== '' || url.search !== '') {
    throw new ServerConfError(
      'TONLE_ERR_SERVERCONF_INVALID_URL',
      `${path}: must not carry credentials, a query or a fragment (put secrets in the provider's own config)`,
      { path },
    );
  }
  return text;
}

export function parseEndpoint(value: unknown, path: string): Endpoint {
  const o = obj(value, path);
  const method = str(o['method'], `${path}.method`, 32);
  const globPath = str(o['path'], `${path}.path`, 2048);
  try {
    validateEndpointMethod(method);
    validatePathGlob(globPath);
  } catch (e) {
    if (e instanceof AccessControlError) {
      throw new ServerConfError('TONLE_ERR_SERVERCONF_INVALID_ENDPOINT', `${path}: ${e.message}`, { path, cause: e });
    }
    throw e;
  }
  return Object.freeze({ method, path: globPath });
}

function endpointKey(e: Endpoint): string {
  return `${e.method} ${e.path}`;
}

function parseClient(value: unknown, path: string): HostedClient {
  const o = obj(value, path);
  return Object.freeze({
    id: parseClientIdObject(o['id'], `${path}.id`),
    status: oneOf(o['status'], CLIENT_STATUSES, `${path}.status`),
    isAuthentication: oneOf(o['isAuthentication'], IS_AUTHENTICATION_MODES, `${path}.isAuthentication`),
    isCertHashes: certHashes(o['isCertHashes'] ?? [], `${path}.isCertHashes`),
  });
}

/** As the openapi module's default limit: a stored description is never larger than an accepted one. */
const MAX_OPENAPI_DOCUMENT = 4 * 1024 * 1024;

function parseServiceOpenApi(value: unknown, path: string): ServiceOpenApi {
  const o = obj(value, path);
  const document = o['document'];
  if (typeof document !== 'string' || document.length === 0 || document.length > MAX_OPENAPI_DOCUMENT) {
    invalid(`${path}.document`, `must be the description's text (1 to ${MAX_OPENAPI_DOCUMENT} characters)`);
  }
  const importedAt = o['importedAt'];
  if (typeof importedAt !== 'number' || !Number.isSafeInteger(importedAt) || importedAt < 0) {
    invalid(`${path}.importedAt`, 'must be a time in epoch milliseconds');
  }
  const source = str(o['source'], `${path}.source`, 2048);
  if (source !== 'upload') {
    let url: URL | undefined;
    try {
      url = new URL(source);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      invalid(`${path}.source`, 'must be "upload" or the http(s) URL the description was fetched from');
    }
  }
  return Object.freeze({ format: oneOf(o['format'], ['json', 'yaml'] as const, `${path}.format`), document, source, importedAt });
}

function parseService(value: unknown, path: string): ServiceConf {
  const o = obj(value, path);
  const timeout = o['timeoutSeconds'];
  if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 1 || timeout > 3600) {
    invalid(`${path}.timeoutSeconds`, 'must be an integer between 1 and 3600');
  }
  if (typeof o['tlsVerify'] !== 'boolean') invalid(`${path}.tlsVerify`, 'must be a boolean');
  if (typeof o['enabled'] !== 'boolean') invalid(`${path}.enabled`, 'must be a boolean');
  const endpoints = arr(o['endpoints'] ?? [], `${path}.endpoints`, 10_000).map((e, i) =>
    parseEndpoint(e, `${path}.endpoints[${i}]`),
  );
  const keys = new Set<string>();
  endpoints.forEach((e, i) => {
    if (keys.has(endpointKey(e))) dup(`${path}.endpoints[${i}]`, `endpoint ${endpointKey(e)} is listed twice`);
    keys.add(endpointKey(e));
  });
  const notice = o['disabledNotice'];
  const id = parseServiceIdObject(o['id'], `${path}.id`);
  if (RESERVED_SERVICE_CODES.includes(id.serviceCode)) {
    throw new ServerConfError(
      'TONLE_ERR_SERVERCONF_RESERVED_SERVICE_CODE',
      `${path}.id: ${id.serviceCode} is a metaservice name (${RESERVED_SERVICE_CODES.join(', ')}); choose another service code.`,
      { path: `${path}.id` },
    );
  }
  const type = oneOf(o['type'], SERVICE_TYPES, `${path}.type`);
  const openapi = o['openapi'] === undefined ? undefined : parseServiceOpenApi(o['openapi'], `${path}.openapi`);
  if (openapi !== undefined && type !== 'OPENAPI3') invalid(`${path}.openapi`, 'only an OPENAPI3 service has a description');
  return Object.freeze({
    id,
    type,
    url: parseServiceUrl(o['url'], `${path}.url`),
    timeoutSeconds: timeout,
    tlsVerify: o['tlsVerify'],
    pinnedCertHashes: certHashes(o['pinnedCertHashes'] ?? [], `${path}.pinnedCertHashes`),
    enabled: o['enabled'],
    ...(notice === undefined ? {} : { disabledNotice: str(notice, `${path}.disabledNotice`, 1000) }),
    endpoints: Object.freeze(endpoints),
    ...(openapi === undefined ? {} : { openapi }),
  });
}

function parseLocalGroup(value: unknown, path: string): LocalGroup {
  const o = obj(value, path);
  const members = arr(o['members'] ?? [], `${path}.members`).map((m, i) => parseClientIdObject(m, `${path}.members[${i}]`));
  const seen = new Set<string>();
  members.forEach((m, i) => {
    if (seen.has(describeId(m))) dup(`${path}.members[${i}]`, `${describeId(m)} is a member twice`);
    seen.add(describeId(m));
  });
  return Object.freeze({
    owner: parseClientIdObject(o['owner'], `${path}.owner`),
    code: identifier(`${path}.code`, () => localGroupId(str(o['code'], `${path}.code`)).groupCode),
    description: str(o['description'] ?? '', `${path}.description`, 1000),
    members: Object.freeze(members),
  });
}

function parseAccessRight(value: unknown, path: string): AccessRight {
  const o = obj(value, path);
  const endpoint = o['endpoint'];
  return Object.freeze({
    service: parseServiceIdObject(o['service'], `${path}.service`),
    subject: parseSubject(o['subject'], `${path}.subject`),
    ...(endpoint === undefined ? {} : { endpoint: parseEndpoint(endpoint, `${path}.endpoint`) }),
  });
}

export function accessRightKey(r: AccessRight): string {
  return `${describeId(r.service)}|${describeId(r.subject)}|${r.endpoint === undefined ? '' : endpointKey(r.endpoint)}`;
}

/**
 * Validates a whole configuration (an update's result or a stored copy) and returns a frozen, normalised copy.
 * Checks field shapes, identifiers (protocol, strict), URLs, globs, uniqueness and references: a service's
 * provider must be a hosted subsystem, an access right must name an existing service (and endpoint), a local
 * group subject must exist for the service's owner.
 */
export function validateServerConfState(value: unknown): ServerConfState {
  const o = obj(value, 'conf');
  const version = o['version'];
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    invalid('conf.version', 'must be a positive integer');
  }
  const owner = parseMemberId(o['owner'], 'conf.owner');
  const serverCode = identifier('conf.serverCode', () =>
    securityServerId(owner.instance, owner.memberClass, owner.memberCode, str(o['serverCode'], 'conf.serverCode')).serverCode,
  );
  const clients = arr(o['clients'], 'conf.clients').map((c, i) => parseClient(c, `conf.clients[${i}]`));
  const clientKeys = new Set<string>();
  clients.forEach((c, i) => {
    const k = describeId(c.id);
    if (clientKeys.has(k)) dup(`conf.clients[${i}]`, `client ${k} is listed twice`);
    clientKeys.add(k);
  });
  const services = arr(o['services'], 'conf.services').map((s, i) => parseService(s, `conf.services[${i}]`));
  const serviceByKey = new Map<string, ServiceConf>();
  services.forEach((s, i) => {
    const k = describeId(s.id);
    if (serviceByKey.has(k)) dup(`conf.services[${i}]`, `service ${k} is listed twice`);
    if (!clientKeys.has(describeId(providerOf(s.id)))) {
      notFound(`conf.services[${i}].id`, `provider ${describeId(providerOf(s.id))} is not a client of this server`);
    }
    serviceByKey.set(k, s);
  });
  const localGroups = arr(o['localGroups'], 'conf.localGroups').map((g, i) =>
    parseLocalGroup(g, `conf.localGroups[${i}]`),
  );
  const groupKeys = new Set<string>();
  localGroups.forEach((g, i) => {
    const k = `${describeId(g.owner)}|${g.code}`;
    if (groupKeys.has(k)) dup(`conf.localGroups[${i}]`, `local group ${g.code} of ${describeId(g.owner)} exists twice`);
    if (!clientKeys.has(describeId(g.owner))) {
      notFound(`conf.localGroups[${i}].owner`, `${describeId(g.owner)} is not a client of this server`);
    }
    groupKeys.add(k);
  });
  const accessRights = arr(o['accessRights'], 'conf.accessRights').map((r, i) =>
    parseAccessRight(r, `conf.accessRights[${i}]`),
  );
  const rightKeys = new Set<string>();
  accessRights.forEach((r, i) => {
    const path = `conf.accessRights[${i}]`;
    const k = accessRightKey(r);
    if (rightKeys.has(k)) dup(path, 'this access right is granted twice');
    rightKeys.add(k);
    const service = serviceByKey.get(describeId(r.service));
    if (service === undefined) notFound(`${path}.service`, `service ${describeId(r.service)} does not exist`);
    if (r.endpoint !== undefined && !service.endpoints.some((e) => endpointKey(e) === endpointKey(r.endpoint as Endpoint))) {
      notFound(`${path}.endpoint`, `endpoint ${endpointKey(r.endpoint)} is not defined on the service`);
    }
    if (r.subject.type === 'LOCALGROUP' && !groupKeys.has(`${describeId(providerOf(r.service))}|${r.subject.groupCode}`)) {
      notFound(`${path}.subject`, `local group ${r.subject.groupCode} is not defined for the service's owner`);
    }
  });
  return Object.freeze({
    version,
    owner,
    serverCode,
    clients: Object.freeze(clients),
    services: Object.freeze(services),
    localGroups: Object.freeze(localGroups),
    accessRights: Object.freeze(accessRights),
  });
}

function notFound(path: string, message: string): never {
  throw new ServerConfError('TONLE_ERR_SERVERCONF_NOT_FOUND', `${path}: ${message}`, { path });
}
