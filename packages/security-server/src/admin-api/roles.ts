/** X-Road's security server user roles (xroad-digest §8.2). */
export const ROLES = [
  'XROAD_SECURITY_OFFICER',
  'XROAD_REGISTRATION_OFFICER',
  'XROAD_SERVICE_ADMINISTRATOR',
  'XROAD_SYSTEM_ADMINISTRATOR',
  'XROAD_SECURITYSERVER_OBSERVER',
  // Tonle's addition: exports message evidence (which can hold message bodies); reads state like an observer.
  'TONLE_AUDITOR',
] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Every role may read the server's state (X-Road's observer sees everything, changes nothing). */
export const READERS: readonly Role[] = ROLES;
export const SECURITY: readonly Role[] = ['XROAD_SECURITY_OFFICER', 'XROAD_SYSTEM_ADMINISTRATOR'];
export const REGISTRATION: readonly Role[] = ['XROAD_REGISTRATION_OFFICER', 'XROAD_SYSTEM_ADMINISTRATOR'];
export const SERVICES: readonly Role[] = ['XROAD_SERVICE_ADMINISTRATOR', 'XROAD_SYSTEM_ADMINISTRATOR'];
/** Evidence bundles carry signed messages and possibly their bodies: auditors and system administrators only. */
export const EVIDENCE: readonly Role[] = ['TONLE_AUDITOR', 'XROAD_SYSTEM_ADMINISTRATOR'];
export const SYSTEM: readonly Role[] = ['XROAD_SYSTEM_ADMINISTRATOR'];
