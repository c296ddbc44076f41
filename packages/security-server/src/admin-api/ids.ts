import {
  globalGroupId,
  localGroupId,
  memberId,
  securityServerId,
  serviceId,
  subsystemId,
  IdentifierError,
  IdentifierErrorCode,
  type ClientId,
  type GlobalGroupId,
  type LocalGroupId,
  type MemberId,
  type SecurityServerId,
  type ServiceId,
  type SubsystemId,
} from '@tonle/protocol';

/**
 * X-Road's admin API writes identifiers colon-joined (`/api/v1/clients/DEV:COM:1234:TestService`,
 * xroad-digest §1.2); each part is percent-encoded when it contains `:` or `%`.
 */
function parts(text: unknown, what: string, counts: readonly number[]): string[] {
  if (typeof text !== 'string' || text.length === 0 || text.length > 2048) {
    throw new IdentifierError(IdentifierErrorCode.WrongPartCount, `${what} must be a colon-joined identifier`);
  }
  const raw = text.split(':');
  if (!counts.includes(raw.length)) {
    throw new IdentifierError(IdentifierErrorCode.WrongPartCount, `${what} must have ${counts.join(' or ')} colon-separated parts, e.g. EE:GOV:1234:sub`);
  }
  return raw.map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      throw new IdentifierError(IdentifierErrorCode.BadPercentEncoding, `${what} has a malformed percent-encoding`);
    }
  });
}

const enc = (p: string) => p.replace(/%/g, '%25').replace(/:/g, '%3A');

export function parseColonClientId(text: unknown): ClientId {
  const p = parts(text, 'client id', [3, 4]);
  return p.length === 3 ? memberId(p[0]!, p[1]!, p[2]!) : subsystemId(p[0]!, p[1]!, p[2]!, p[3]!);
}
export function parseColonMemberId(text: unknown): MemberId {
  const p = parts(text, 'member id', [3]);
  return memberId(p[0]!, p[1]!, p[2]!);
}
export function parseColonSubsystemId(text: unknown): SubsystemId {
  const p = parts(text, 'subsystem id', [4]);
  return subsystemId(p[0]!, p[1]!, p[2]!, p[3]!);
}
export function parseColonServerId(text: unknown): SecurityServerId {
  const p = parts(text, 'security server id', [4]);
  return securityServerId(p[0]!, p[1]!, p[2]!, p[3]!);
}
export function parseColonServiceId(text: unknown): ServiceId {
  const p = parts(text, 'service id', [5]);
  return serviceId(p[0]!, p[1]!, p[2]!, p[3]!, p[4]!);
}
/** Access right subjects: a subsystem (`EE:GOV:1:sub`), a global group (`globalgroup:EE:code`) or a local group (`localgroup:code`). */
export function parseColonSubject(text: unknown): SubsystemId | GlobalGroupId | LocalGroupId {
  if (typeof text === 'string' && text.startsWith('globalgroup:')) {
    const p = parts(text.slice('globalgroup:'.length), 'global group id', [2]);
    return globalGroupId(p[0]!, p[1]!);
  }
  if (typeof text === 'string' && text.startsWith('localgroup:')) {
    const p = parts(text.slice('localgroup:'.length), 'local group id', [1]);
    return localGroupId(p[0]!);
  }
  return parseColonSubsystemId(text);
}

export function formatColonId(id: ClientId | ServiceId | GlobalGroupId | LocalGroupId): string {
  switch (id.type) {
    case 'MEMBER':
      return [id.instance, id.memberClass, id.memberCode].map(enc).join(':');
    case 'SUBSYSTEM':
      return [id.instance, id.memberClass, id.memberCode, id.subsystemCode].map(enc).join(':');
    case 'SERVICE':
      return [id.instance, id.memberClass, id.memberCode, id.subsystemCode, id.serviceCode].map(enc).join(':');
    case 'GLOBALGROUP':
      return `globalgroup:${enc(id.instance)}:${enc(id.groupCode)}`;
    case 'LOCALGROUP':
      return `localgroup:${enc(id.groupCode)}`;
  }
}
