export type {
  ClientId,
  GlobalGroupId,
  IdentifierOptions,
  IdentifierValidation,
  LocalGroupId,
  MemberId,
  RepresentedParty,
  SecurityServerId,
  ServiceId,
  SubsystemId,
  XRoadId,
} from './types.ts';
export { IdentifierError, IdentifierErrorCode } from './identifier-error.ts';
export { MAX_PART_LENGTH } from './parts.ts';
export { globalGroupId, localGroupId, memberId, securityServerId, serviceId, subsystemId } from './constructors.ts';
export {
  MAX_SERVICE_PATH_LENGTH,
  describeId,
  formatClientId,
  formatGlobalGroupId,
  formatRepresentedParty,
  formatSecurityServerId,
  formatServiceId,
  formatServicePath,
  memberOf,
  parseClientId,
  parseGlobalGroupId,
  parseRepresentedParty,
  parseSecurityServerId,
  parseServiceId,
  parseServicePath,
  providerOf,
  sameId,
  type ServicePath,
} from './codec.ts';
