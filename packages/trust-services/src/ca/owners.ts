import {
  describeId,
  IdentifierError,
  memberId,
  parseClientId,
  parseSecurityServerId,
  securityServerId,
  type MemberId,
  type SecurityServerId,
} from '@tonle/protocol';
import { TrustServiceError } from '../errors/index.ts';

/** What the CA is asked to certify: a member (signing certificate) or a security server (authentication). */
export type CertificateOwner = { readonly profile: 'sign'; readonly member: MemberId } | { readonly profile: 'auth'; readonly server: SecurityServerId };

/** `MEMBER:EE/GOV/123` / `SERVER:EE/GOV/123/ss1` (`describeId`), as kept in the store and logs. */
export function describeOwner(owner: CertificateOwner): string {
  return describeId(owner.profile === 'sign' ? owner.member : owner.server);
}

/**
 * Validates an owner given through the admin API, with X-Road's strict identifier rules:
 * `{ profile: 'sign', memberId: "EE/GOV/123" | { instance, memberClass, memberCode } }` or
 * `{ profile: 'auth', serverId: "EE/GOV/123/ss1" | { instance, memberClass, memberCode, serverCode } }`.
 */
export function ownerFromRequest(body: Readonly<Record<string, unknown>>): CertificateOwner {
  const profile = body['profile'];
  if (profile !== 'sign' && profile !== 'auth') {
    throw new TrustServiceError('TONLE_ERR_TRUST_BAD_REQUEST', "profile must be 'sign' (member signing certificate) or 'auth' (security server authentication certificate).");
  }
  const field = profile === 'sign' ? 'memberId' : 'serverId';
  const raw = body[field];
  try {
    if (profile === 'sign') {
      if (typeof raw === 'string') {
        const id = parseClientId(raw, { validation: 'strict' });
        if (id.type !== 'MEMBER') throw new TrustServiceError('TONLE_ERR_TRUST_BAD_REQUEST', 'memberId names a subsystem; signing certificates belong to members (INSTANCE/CLASS/CODE).');
        return { profile, member: id };
      }
      const o = objectOf(raw, field, 'instance, memberClass, memberCode');
      return { profile, member: memberId(text(o['instance']), text(o['memberClass']), text(o['memberCode']), { validation: 'strict' }) };
    }
    if (typeof raw === 'string') return { profile, server: parseSecurityServerId(raw, { validation: 'strict' }) };
    const o = objectOf(raw, field, 'instance, memberClass, memberCode, serverCode');
    return {
      profile,
      server: securityServerId(text(o['instance']), text(o['memberClass']), text(o['memberCode']), text(o['serverCode']), { validation: 'strict' }),
    };
  } catch (e) {
    if (e instanceof IdentifierError) throw new TrustServiceError('TONLE_ERR_TRUST_BAD_REQUEST', `${field}: ${e.message}`, { cause: e });
    throw e;
  }
}

function objectOf(raw: unknown, field: string, parts: string): Readonly<Record<string, unknown>> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new TrustServiceError('TONLE_ERR_TRUST_BAD_REQUEST', `${field} is required: a text id or an object with ${parts}.`);
  }
  return raw as Record<string, unknown>;
}

// Non-strings are passed on as '' so the identifier constructor reports the part by name.
const text = (v: unknown): string => (typeof v === 'string' ? v : '');
