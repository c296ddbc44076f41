/**
 * Pure changes of the registry state: each takes the state and an input and returns the next state, or
 * throws a RegistryError and changes nothing. The registry runs them inside a compare-and-set loop, so a
 * refused change never leaves anything half-written.
 */
import { IdentifierError, globalGroupId, memberId, securityServerId, subsystemId, type ApprovedCaEntry, type ApprovedTsaEntry, type ClientRef, type MemberRef } from '@tonle/protocol';
import { RegistryError } from '../errors/index.ts';
import {
  SECURITY_SERVER_OWNERS,
  type ApiKeyRecord,
  type GlobalGroupRecord,
  type ManagementRequestRecord,
  type MemberRecord,
  type RegistrySettings,
  type RegistryState,
  type SecurityServerRecord,
  type ServerRef,
  type SigningKeyRecord,
} from './types.ts';

export function describeClient(c: ClientRef | MemberRef): string {
  const sub = 'subsystemCode' in c && c.subsystemCode !== undefined ? `/${c.subsystemCode}` : '';
  return `${c.memberClass}/${c.memberCode}${sub}`;
}

export function describeServer(s: ServerRef): string {
  return `${s.memberClass}/${s.memberCode}/${s.serverCode}`;
}

export const sameMember = (a: MemberRef, b: MemberRef): boolean => a.memberClass === b.memberClass && a.memberCode === b.memberCode;
export const sameClient = (a: ClientRef, b: ClientRef): boolean => sameMember(a, b) && a.subsystemCode === b.subsystemCode;
export const sameServer = (a: SecurityServerRecord, s: ServerRef): boolean =>
  a.owner.memberClass === s.memberClass && a.owner.memberCode === s.memberCode && a.serverCode === s.serverCode;

/** Validates identifier parts with the strict X-Road charset (pr-rest 4.8) via the protocol constructors. */
function checkIds<T>(build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof IdentifierError) throw new RegistryError('TONLE_ERR_REGISTRY_BAD_IDENTIFIER', error.message, { cause: error });
    throw error;
  }
}

export function checkMemberRef(state: RegistryState, ref: MemberRef): void {
  checkIds(() => memberId(state.instanceIdentifier, ref.memberClass, ref.memberCode));
}

export function checkClientRef(state: RegistryState, ref: ClientRef): void {
  checkIds(() =>
    ref.subsystemCode === undefined
      ? memberId(state.instanceIdentifier, ref.memberClass, ref.memberCode)
      : subsystemId(state.instanceIdentifier, ref.memberClass, ref.memberCode, ref.subsystemCode),
  );
}

export function checkServerRef(state: RegistryState, ref: ServerRef): void {
  checkIds(() => securityServerId(state.instanceIdentifier, ref.memberClass, ref.memberCode, ref.serverCode));
}

export function findMember(state: RegistryState, ref: MemberRef): MemberRecord | undefined {
  return state.members.find((m) => sameMember(m, ref));
}

export function requireMember(state: RegistryState, ref: MemberRef): MemberRecord {
  const member = findMember(state, ref);
  if (member === undefined) throw new RegistryError('TONLE_ERR_REGISTRY_NOT_FOUND', `Member ${describeClient(ref)} is not registered; add it first.`);
  return member;
}

export function findServer(state: RegistryState, ref: ServerRef): SecurityServerRecord | undefined {
  return state.securityServers.find((s) => sameServer(s, ref));
}

export function requireServer(state: RegistryState, ref: ServerRef): SecurityServerRecord {
  const server = findServer(state, ref);
  if (server === undefined) throw new RegistryError('TONLE_ERR_REGISTRY_NOT_FOUND', `Security server ${describeServer(ref)} is not registered.`);
  return server;
}

export function clientExists(state: RegistryState, ref: ClientRef): boolean {
  const member = findMember(state, ref);
  if (member === undefined) return false;
  return ref.subsystemCode === undefined || member.subsystems.some((s) => s.subsystemCode === ref.subsystemCode);
}

export function addMemberClass(state: RegistryState, input: { code: string; description: string }): RegistryState {
  // A member class is an identifier part like any other (pr-rest 4.8 charset).
  checkIds(() => memberId(state.instanceIdentifier, input.code, input.code));
  if (state.memberClasses.some((c) => c.code === input.code)) {
    throw new RegistryError('TONLE_ERR_REGISTRY_DUPLICATE', `Member class ${input.code} already exists.`);
  }
  return { ...state, memberClasses: [...state.memberClasses, { code: input.code, description: input.description }] };
}

export function addMember(state: RegistryState, input: { memberClass: string; memberCode: string; name: string }): RegistryState {
  checkMemberRef(state, input);
  if (!state.memberClasses.some((c) => c.code === input.memberClass)) {
    throw new RegistryError(
      'TONLE_ERR_REGISTRY_UNKNOWN_MEMBER_CLASS',
      `Member class ${input.memberClass} is not defined; use one of ${state.memberClasses.map((c) => c.code).join(', ') || '(none)'} or add it first.`,
    );
  }
  if (input.name.length === 0 || input.name.length > 255) throw new RegistryError('TONLE_ERR_REGISTRY_VALIDATION', 'A member name must have 1-255 characters.');
  if (findMember(state, input) !== undefined) throw new RegistryError('TONLE_ERR_REGISTRY_DUPLICATE', `Member ${describeClient(input)} already exists.`);
  const member: MemberRecord = { memberClass: input.memberClass, memberCode: input.memberCode, name: input.name, subsystems: [] };
  return { ...state, members: [...state.members, member] };
}

export function addSubsystem(state: RegistryState, member: MemberRef, subsystemCode: string): RegistryState {
  checkClientRef(state, { ...member, subsystemCode });
  const record = requireMember(state, member);
  if (record.subsystems.some((s) => s.subsystemCode === subsystemCode)) {
    throw new RegistryError('TONLE_ERR_REGISTRY_DUPLICATE', `Subsystem ${describeClient({ ...member, subsystemCode })} already exists.`);
  }
  return replaceMember(state, { ...record, subsystems: [...record.subsystems, { subsystemCode }] });
}

export function deleteMember(state: RegistryState, ref: MemberRef): RegistryState {
  requireMember(state, ref);
  if (state.securityServers.some((s) => sameMember(s.owner, ref) || s.clients.some((c) => sameMember(c, ref)))) {
    throw new RegistryError('TONLE_ERR_REGISTRY_BAD_STATE', `Member ${describeClient(ref)} owns or is a client of a security server; delete those registrations first.`);
  }
  return {
    ...state,
    members: state.members.filter((m) => !sameMember(m, ref)),
    globalGroups: state.globalGroups.map((g) => ({ ...g, members: g.members.filter((c) => !sameMember(c, ref)) })),
  };
}

function replaceMember(state: RegistryState, member: MemberRecord): RegistryState {
  return { ...state, members: state.members.map((m) => (sameMember(m, member) ? member : m)) };
}

function replaceServer(state: RegistryState, server: SecurityServerRecord): RegistryState {
  const ref = { ...server.owner, serverCode: server.serverCode };
  return { ...state, securityServers: state.securityServers.map((s) => (sameServer(s, ref) ? server : s)) };
}

export function addApprovedCa(state: RegistryState, entry: ApprovedCaEntry): RegistryState {
  if (state.approvedCas.some((c) => c.name === entry.name)) throw new RegistryError('TONLE_ERR_REGISTRY_DUPLICATE', `An approved CA named ${entry.name} already exists.`);
  if (state.approvedCas.some((c) => c.topCertificate === entry.topCertificate)) {
    throw new RegistryError('TONLE_ERR_REGISTRY_DUPLICATE', 'This CA certificate is already approved under another name.');
  }
  return { ...state, approvedCas: [...state.approvedCas, entry] };
}

export function deleteApprovedCa(state: RegistryState, name: string): RegistryState {
  if (!state.approvedCas.some((c) => c.name === name)) throw new RegistryError('TONLE_ERR_REGISTRY_NOT_FOUND', `No approved CA named ${name}.`);
  return { ...state, approvedCas: state.approvedCas.filter((c) => c.name !== name) };
}

export function addApprovedTsa(state: RegistryState, entry: ApprovedTsaEntry): RegistryState {
  if (state.approvedTsas.some((t) => t.name === entry.name)) throw new RegistryError('TONLE_ERR_REGISTRY_DUPLICATE', `An approved TSA named ${entry.name} already exists.`);
  return { ...state, approvedTsas: [...state.approvedTsas, entry] };
}

export function deleteApprovedTsa(state: RegistryState, name: string): RegistryState {
  if (!state.approvedTsas.some((t) => t.name === name)) throw new RegistryError('TONLE_ERR_REGISTRY_NOT_FOUND', `No approved TSA named ${name}.`);
  return { ...state, approvedTsas: state.approvedTsas.filter((t) => t.name !== name) };
}

export function addGlobalGroup(state: RegistryState, input: { groupCode: string; description: string }): RegistryState {
  checkIds(() => globalGroupId(state.instanceIdentifier, input.groupCode));
  if (input.groupCode === SECURITY_SERVER_OWNERS || state.globalGroups.some((g) => g.groupCode === input.groupCode)) {
    throw new RegistryError('TONLE_ERR_REGISTRY_DUPLICATE', `Global group ${input.groupCode} already exists.`);
  }
  const group: GlobalGroupRecord = { groupCode: input.groupCode, description: input.description, members: [] };
  return { ...state, globalGroups: [...state.globalGroups, group] };
}

export function addGlobalGroupMember(state: RegistryState, groupCode: string, client: ClientRef): RegistryState {
  checkClientRef(state, client);
  if (groupCode === SECURITY_SERVER_OWNERS) {
    throw new RegistryError('TONLE_ERR_REGISTRY_BAD_STATE', `${SECURITY_SERVER_OWNERS} is maintained automatically from the registered servers.`);
  }
  const group = state.globalGroups.find((g) => g.groupCode === groupCode);
  if (group === undefined) throw new RegistryError('TONLE_ERR_REGISTRY_NOT_FOUND', `Global group ${groupCode} does not exist.`);
  if (!clientExists(state, client)) throw new RegistryError('TONLE_ERR_REGISTRY_NOT_FOUND', `Client ${describeClient(client)} does not exist.`);
  if (group.members.some((c) => sameClient(c, client))) throw new RegistryError('TONLE_ERR_REGISTRY_DUPLICATE', `${describeClient(client)} is already in ${groupCode}.`);
  const updated = { ...group, members: [...group.members, normalizeClient(client)] };
  return { ...state, globalGroups: state.globalGroups.map((g) => (g.groupCode === groupCode ? updated : g)) };
}

export function updateSettings(state: RegistryState, patch: Partial<Omit<RegistrySettings, 'autoApprove'>> & { autoApprove?: Partial<RegistrySettings['autoApprove']> }): RegistryState {
  return { ...state, settings: { ...state.settings, ...patch, autoApprove: { ...state.settings.autoApprove, ...patch.autoApprove } } };
}

function normalizeClient(c: ClientRef): ClientRef {
  return c.subsystemCode === undefined ? { memberClass: c.memberClass, memberCode: c.memberCode } : { memberClass: c.memberClass, memberCode: c.memberCode, subsystemCode: c.subsystemCode };
}

// ---- management requests (xroad-digest §4.7) ----

const NEEDS_APPROVAL: ReadonlySet<ManagementRequestRecord['type']> = new Set(['authCertReg', 'clientReg']);

/**
 * Records a verified management request. Registrations wait for an operator unless the auto-approval
 * switch for their type is on; deletions, address changes and maintenance mode (signed by the owner) take
 * effect at once. A deletion revokes pending registrations of the same object (PR-MSERV).
 */
export function submitManagementRequest(state: RegistryState, request: ManagementRequestRecord, at: string): RegistryState {
  checkServerRef(state, request.server);
  if (request.client !== undefined) checkClientRef(state, request.client);
  const owner = { memberClass: request.server.memberClass, memberCode: request.server.memberCode };
  requireMember(state, owner);
  if (request.type !== 'authCertReg') requireServer(state, request.server);
  if (request.type === 'clientReg' || request.type === 'clientDeletion') {
    requireMember(state, request.client ?? owner);
  }
  preflight(state, request);
  let next: RegistryState = { ...state, managementRequests: [...state.managementRequests, request] };
  if (request.type === 'clientDeletion' || request.type === 'authCertDeletion') {
    next = {
      ...next,
      managementRequests: next.managementRequests.map((r) =>
        r.status === 'pending' && revokedBy(r, request) ? { ...r, status: 'revoked' as const, decidedAt: at, decidedBy: `request:${request.id}` } : r,
      ),
    };
  }
  const auto =
    !NEEDS_APPROVAL.has(request.type) ||
    (request.type === 'authCertReg' && state.settings.autoApprove.authCertReg) ||
    (request.type === 'clientReg' && state.settings.autoApprove.clientReg);
  return auto ? decide(next, request.id, 'approved', 'auto-approval', at) : next;
}

function revokedBy(pending: ManagementRequestRecord, deletion: ManagementRequestRecord): boolean {
  if (describeServer(pending.server) !== describeServer(deletion.server)) return false;
  if (deletion.type === 'clientDeletion') return pending.type === 'clientReg' && pending.client !== undefined && deletion.client !== undefined && sameClient(pending.client, deletion.client);
  return pending.type === 'authCertReg' && pending.authCert?.hash === deletion.authCertHash;
}

/** Refuses requests that could never be applied, so they do not sit in the queue. */
function preflight(state: RegistryState, request: ManagementRequestRecord): void {
  const server = findServer(state, request.server);
  switch (request.type) {
    case 'authCertReg': {
      const hash = request.authCert?.hash;
      const holder = state.securityServers.find((s) => s.authCerts.some((c) => c.hash === hash));
      if (holder !== undefined) throw new RegistryError('TONLE_ERR_REGISTRY_DUPLICATE', 'This authentication certificate is already registered.');
      if (state.managementRequests.some((r) => r.status === 'pending' && r.type === 'authCertReg' && r.authCert?.hash === hash)) {
        throw new RegistryError('TONLE_ERR_REGISTRY_DUPLICATE', 'A registration of this authentication certificate is already pending.');
      }
      return;
    }
    case 'clientReg': {
      const client = request.client!;
      if (server?.clients.some((c) => sameClient(c, client)) === true) {
        throw new RegistryError('TONLE_ERR_REGISTRY_DUPLICATE', `${describeClient(client)} is already a client of ${describeServer(request.server)}.`);
      }
      if (state.managementRequests.some((r) => r.status === 'pending' && r.type === 'clientReg' && describeServer(r.server) === describeServer(request.server) && r.client !== undefined && sameClient(r.client, client))) {
        throw new RegistryError('TONLE_ERR_REGISTRY_DUPLICATE', `A registration of ${describeClient(client)} on this server is already pending.`);
      }
      return;
    }
    case 'clientDeletion': {
      const client = request.client!;
      const pending = state.managementRequests.some((r) => r.status === 'pending' && r.type === 'clientReg' && r.client !== undefined && sameClient(r.client, client));
      if (server?.clients.some((c) => sameClient(c, client)) !== true && !pending) {
        throw new RegistryError('TONLE_ERR_REGISTRY_NOT_FOUND', `${describeClient(client)} is not a client of ${describeServer(request.server)}.`);
      }
      return;
    }
    case 'authCertDeletion': {
      const pending = state.managementRequests.some((r) => r.status === 'pending' && r.type === 'authCertReg' && r.authCert?.hash === request.authCertHash);
      if (server?.authCerts.some((c) => c.hash === request.authCertHash) !== true && !pending) {
        throw new RegistryError('TONLE_ERR_REGISTRY_NOT_FOUND', `No such authentication certificate on ${describeServer(request.server)}.`);
      }
      return;
    }
    default:
      return;
  }
}

/** Approves or rejects a pending request; approval applies its effect in the same state change. */
export function decide(state: RegistryState, id: string, decision: 'approved' | 'rejected', by: string, at: string): RegistryState {
  const request = state.managementRequests.find((r) => r.id === id);
  if (request === undefined) throw new RegistryError('TONLE_ERR_REGISTRY_NOT_FOUND', `No management request ${id}.`);
  if (request.status !== 'pending') throw new RegistryError('TONLE_ERR_REGISTRY_BAD_STATE', `Request ${id} is ${request.status}, not pending.`);
  const decided = { ...request, status: decision, decidedAt: at, decidedBy: by };
  const next = { ...state, managementRequests: state.managementRequests.map((r) => (r.id === id ? decided : r)) };
  return decision === 'approved' ? applyRequest(next, request) : next;
}

function applyRequest(state: RegistryState, r: ManagementRequestRecord): RegistryState {
  const owner = { memberClass: r.server.memberClass, memberCode: r.server.memberCode };
  const existing = findServer(state, r.server);
  switch (r.type) {
    case 'authCertReg': {
      requireMember(state, owner);
      const authCert = r.authCert!;
      if (state.securityServers.some((s) => s.authCerts.some((c) => c.hash === authCert.hash))) {
        throw new RegistryError('TONLE_ERR_REGISTRY_DUPLICATE', 'This authentication certificate is already registered.');
      }
      if (existing === undefined) {
        const server: SecurityServerRecord = { owner, serverCode: r.server.serverCode, address: r.address!, authCerts: [authCert], clients: [owner], maintenance: { enabled: false, message: '' } };
        return { ...state, securityServers: [...state.securityServers, server] };
      }
      return replaceServer(state, { ...existing, address: r.address ?? existing.address, authCerts: [...existing.authCerts, authCert] });
    }
    case 'clientReg': {
      const server = requireServer(state, r.server);
      const client = normalizeClient(r.client!);
      let next = state;
      // PR-MSERV clientReg creates the subsystem when the member does not have it yet.
      if (client.subsystemCode !== undefined && !clientExists(state, client)) next = addSubsystem(state, client, client.subsystemCode);
      if (server.clients.some((c) => sameClient(c, client))) throw new RegistryError('TONLE_ERR_REGISTRY_DUPLICATE', `${describeClient(client)} is already a client.`);
      return replaceServer(next, { ...server, clients: [...server.clients, client] });
    }
    case 'clientDeletion': {
      const server = requireServer(state, r.server);
      return replaceServer(state, { ...server, clients: server.clients.filter((c) => !sameClient(c, r.client!)) });
    }
    case 'authCertDeletion': {
      const server = requireServer(state, r.server);
      return replaceServer(state, { ...server, authCerts: server.authCerts.filter((c) => c.hash !== r.authCertHash) });
    }
    case 'addressChange':
      return replaceServer(state, { ...requireServer(state, r.server), address: r.address! });
    case 'maintenanceModeEnable':
      return replaceServer(state, { ...requireServer(state, r.server), maintenance: { enabled: true, message: r.message ?? '' } });
    case 'maintenanceModeDisable':
      return replaceServer(state, { ...requireServer(state, r.server), maintenance: { enabled: false, message: '' } });
  }
}

// ---- configuration signing keys ----

/** Announces a new key as `next`; it is published in the configuration before it signs anything. */
export function announceSigningKey(state: RegistryState, key: SigningKeyRecord): RegistryState {
  if (state.signingKeys.some((k) => k.status === 'next')) {
    throw new RegistryError('TONLE_ERR_REGISTRY_BAD_STATE', 'A next signing key is already announced; activate it before announcing another.');
  }
  return { ...state, signingKeys: [...state.signingKeys, { ...key, status: 'next' }] };
}

/**
 * Switches to the announced key. The old current key is retired: it is no longer published, so clients
 * that accepted a configuration announcing the new key refuse the old one from then on.
 */
export function activateNextSigningKey(state: RegistryState): RegistryState {
  if (!state.signingKeys.some((k) => k.status === 'next')) {
    throw new RegistryError('TONLE_ERR_REGISTRY_BAD_STATE', 'No next signing key is announced; announce one and let clients download it first.');
  }
  return {
    ...state,
    signingKeys: state.signingKeys.map((k) => (k.status === 'next' ? { ...k, status: 'current' as const } : k.status === 'current' ? { ...k, status: 'retired' as const, privateKeyPem: '' } : k)),
  };
}

// ---- API keys ----

export function addApiKey(state: RegistryState, key: ApiKeyRecord): RegistryState {
  return { ...state, apiKeys: [...state.apiKeys, key] };
}

export function revokeApiKey(state: RegistryState, id: string): RegistryState {
  if (!state.apiKeys.some((k) => k.id === id)) throw new RegistryError('TONLE_ERR_REGISTRY_NOT_FOUND', `No API key ${id}.`);
  const remaining = state.apiKeys.filter((k) => k.id !== id);
  if (!remaining.some((k) => k.roles.includes('system-administrator'))) {
    throw new RegistryError('TONLE_ERR_REGISTRY_BAD_STATE', 'Refusing to revoke the last system-administrator key; create another first.');
  }
  return { ...state, apiKeys: remaining };
}
