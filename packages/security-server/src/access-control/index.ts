/** access-control: X-Road's `isQueryAllowed` over the local configuration, with traversal-safe path globs. */
export { AccessControlError, type AccessControlErrorCode } from './errors.ts';
export { normalizeServicePath } from './path.ts';
export { matchMethod, matchPathGlob, validateEndpointMethod, validatePathGlob } from './glob.ts';
export {
  createAccessControl,
  grantedRights,
  type AccessControl,
  type AccessDecision,
  type AccessQuery,
  type GlobalGroupMembership,
} from './access-control.ts';
