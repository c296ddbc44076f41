import { checkPart } from './parts.ts';
import type {
  GlobalGroupId,
  IdentifierOptions,
  LocalGroupId,
  MemberId,
  SecurityServerId,
  ServiceId,
  SubsystemId,
} from './types.ts';

/**
 * Builds a validated, frozen member identifier.
 *
 * @example
 * ```ts
 * const city = memberId('EE', 'GOV', '70000001'); // MEMBER:EE/GOV/70000001
 * ```
 */
export function memberId(instance: string, memberClass: string, memberCode: string, options?: IdentifierOptions): MemberId {
  return Object.freeze({
    type: 'MEMBER',
    instance: checkPart(instance, 'instance', options),
    memberClass: checkPart(memberClass, 'memberClass', options),
    memberCode: checkPart(memberCode, 'memberCode', options),
  });
}

/**
 * Builds a validated, frozen subsystem identifier.
 *
 * @example
 * ```ts
 * const registry = subsystemId('EE', 'GOV', '70000001', 'population');
 * ```
 */
export function subsystemId(
  instance: string,
  memberClass: string,
  memberCode: string,
  subsystemCode: string,
  options?: IdentifierOptions,
): SubsystemId {
  return Object.freeze({
    type: 'SUBSYSTEM',
    instance: checkPart(instance, 'instance', options),
    memberClass: checkPart(memberClass, 'memberClass', options),
    memberCode: checkPart(memberCode, 'memberCode', options),
    subsystemCode: checkPart(subsystemCode, 'subsystemCode', options),
  });
}

/**
 * Builds a validated, frozen REST service identifier.
 *
 * @example
 * ```ts
 * const lookup = serviceId('EE', 'GOV', '70000001', 'population', 'persons');
 * ```
 */
export function serviceId(
  instance: string,
  memberClass: string,
  memberCode: string,
  subsystemCode: string,
  serviceCode: string,
  options?: IdentifierOptions,
): ServiceId {
  return Object.freeze({
    type: 'SERVICE',
    instance: checkPart(instance, 'instance', options),
    memberClass: checkPart(memberClass, 'memberClass', options),
    memberCode: checkPart(memberCode, 'memberCode', options),
    subsystemCode: checkPart(subsystemCode, 'subsystemCode', options),
    serviceCode: checkPart(serviceCode, 'serviceCode', options),
  });
}

/**
 * Builds a validated, frozen security server identifier.
 *
 * @example
 * ```ts
 * const ss = securityServerId('EE', 'GOV', '70000001', 'ss1');
 * ```
 */
export function securityServerId(
  instance: string,
  memberClass: string,
  memberCode: string,
  serverCode: string,
  options?: IdentifierOptions,
): SecurityServerId {
  return Object.freeze({
    type: 'SERVER',
    instance: checkPart(instance, 'instance', options),
    memberClass: checkPart(memberClass, 'memberClass', options),
    memberCode: checkPart(memberCode, 'memberCode', options),
    serverCode: checkPart(serverCode, 'serverCode', options),
  });
}

/**
 * Builds a validated, frozen global group identifier.
 *
 * @example
 * ```ts
 * const owners = globalGroupId('EE', 'security-server-owners');
 * ```
 */
export function globalGroupId(instance: string, groupCode: string, options?: IdentifierOptions): GlobalGroupId {
  return Object.freeze({
    type: 'GLOBALGROUP',
    instance: checkPart(instance, 'instance', options),
    groupCode: checkPart(groupCode, 'groupCode', options),
  });
}

/**
 * Builds a validated, frozen local group identifier.
 *
 * @example
 * ```ts
 * const partners = localGroupId('partners');
 * ```
 */
export function localGroupId(groupCode: string, options?: IdentifierOptions): LocalGroupId {
  return Object.freeze({ type: 'LOCALGROUP', groupCode: checkPart(groupCode, 'groupCode', options) });
}
