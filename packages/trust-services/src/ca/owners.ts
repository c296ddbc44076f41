import { TrustServiceError } from '../errors/index.ts';
import type { CertificateProfileKind } from '../storage/index.ts';

/** The member a signing certificate identifies (same shape as `MemberId` of @tonle/protocol). */
export interface MemberRef {
  readonly instance: string;
  readonly memberClass: string;
  readonly memberCode: string;
}

/** The security server an authentication certificate identifies (shape of `SecurityServerId`). */
export interface ServerRef extends MemberRef {
  readonly serverCode: string;
}

/** What the CA is asked to certify: a member (sign) or a security server (auth). */
export type CertificateOwner = { readonly profile: 'sign'; readonly member: MemberRef } | { readonly profile: 'auth'; readonly server: ServerRef };

// X-Road's strict identifier charset (xroad-digest §1.3), max 255 characters per part.
const PART = /^[A-Za-z0-9'()+,\-.=?]{1,255}$/;

/** `MEMBER:EE/GOV/123` / `SERVER:EE/GOV/123/ss1`, the `describeId` form used in logs and the store. */
export function describeOwner(owner: CertificateOwner): string {
  if (owner.profile === 'sign') return `MEMBER:${owner.member.instance}/${owner.member.memberClass}/${owner.member.memberCode}`;
  const s = owner.server;
  return `SERVER:${s.instance}/${s.memberClass}/${s.memberCode}/${s.serverCode}`;
}

/**
 * Validates an owner given through the admin API (JSON), reporting every bad field at once.
 * Accepts `{ profile: 'sign', memberId: { instance, memberClass, memberCode } }` or
 * `{ profile: 'auth', serverId: { instance, memberClass, memberCode, serverCode } }`, and the text forms
 * `memberId: "EE/GOV/123"`, `serverId: "EE/GOV/123/ss1"`.
 */
export function ownerFromRequest(body: Readonly<Record<string, unknown>>): CertificateOwner {
  const profile = body['profile'] as CertificateProfileKind | undefined;
  const violations: string[] = [];
  if (profile !== 'sign' && profile !== 'auth') {
    throw new TrustServiceError('TONLE_ERR_TRUST_BAD_REQUEST', "profile must be 'sign' (member signing certificate) or 'auth' (security server authentication certificate).");
  }
  const field = profile === 'sign' ? 'memberId' : 'serverId';
  const names = profile === 'sign' ? (['instance', 'memberClass', 'memberCode'] as const) : (['instance', 'memberClass', 'memberCode', 'serverCode'] as const);
  let raw = body[field];
  if (typeof raw === 'string') {
    const parts = raw.split('/');
    raw = parts.length === names.length ? Object.fromEntries(names.map((n, i) => [n, parts[i]])) : undefined;
  }
  if (typeof raw !== 'object' || raw === null) {
    throw new TrustServiceError('TONLE_ERR_TRUST_BAD_REQUEST', `${field} is required for profile '${profile}': "${names.join('/')}" or an object with ${names.join(', ')}.`);
  }
  const values: Record<string, string> = {};
  for (const n of names) {
    const v = (raw as Record<string, unknown>)[n];
    if (typeof v !== 'string' || !PART.test(v)) violations.push(`${field}.${n} must be 1-255 characters of A-Za-z0-9'()+,-.=?`);
    else values[n] = v;
  }
  if (violations.length > 0) throw new TrustServiceError('TONLE_ERR_TRUST_BAD_REQUEST', violations.join('; '), { violations });
  const member = { instance: values['instance'] ?? '', memberClass: values['memberClass'] ?? '', memberCode: values['memberCode'] ?? '' };
  return profile === 'sign' ? { profile, member } : { profile, server: { ...member, serverCode: values['serverCode'] ?? '' } };
}
