import { randomUUID } from 'node:crypto';
import { RegistryError } from '../errors/index.ts';
import type { Registry } from '../registry/index.ts';
import { describeServer, submitManagementRequest, type ManagementRequestRecord } from '../state/index.ts';
import { verifyManagementRequest, type ManagementEnvelope } from './verify-request.ts';

export { verifyManagementRequest, type ManagementEnvelope, type ManagementPayload, type VerifiedManagementRequest } from './verify-request.ts';

/**
 * Verifies a signed management request, refuses a replay of its request id, and records it (pending,
 * or applied at once when the type or the auto-approval policy says so). Returns the stored record.
 */
export async function submitManagementEnvelope(registry: Registry, envelope: ManagementEnvelope): Promise<ManagementRequestRecord> {
  const state = await registry.state();
  const now = registry.clock.now();
  const verified = await verifyManagementRequest(envelope, state, now);
  const { payload } = verified;
  const windowMs = state.settings.requestMaxAgeSeconds * 1000;
  // Remember the id for as long as the signed createdAt would still be accepted (both directions).
  const fresh = await registry.store.claimRequestId(payload.requestId, Date.parse(payload.createdAt) + windowMs + 1000, now);
  if (!fresh) {
    await registry.audit.append({ at: new Date(now).toISOString(), actor: `member:${verified.signedBy.memberClass}/${verified.signedBy.memberCode}`, action: `management-request.${payload.type}`, target: payload.requestId, outcome: 'refused', code: 'TONLE_ERR_REGISTRY_REPLAYED' });
    throw new RegistryError('TONLE_ERR_REGISTRY_REPLAYED', `Request id ${payload.requestId} was already submitted; sign a new request with a new id.`);
  }
  const at = new Date(now).toISOString();
  const server = { memberClass: payload.server.memberClass, memberCode: payload.server.memberCode, serverCode: payload.server.serverCode };
  const record: ManagementRequestRecord = {
    id: randomUUID(),
    requestId: payload.requestId,
    type: payload.type,
    status: 'pending',
    server,
    receivedAt: at,
    signedBy: verified.signedBy,
    ...(payload.address === undefined ? {} : { address: payload.address }),
    ...(verified.authCert === undefined ? {} : { authCert: verified.authCert }),
    ...(payload.authCertHash === undefined ? {} : { authCertHash: payload.authCertHash }),
    ...(payload.client === undefined
      ? {}
      : { client: payload.client.subsystemCode === undefined ? { memberClass: payload.client.memberClass, memberCode: payload.client.memberCode } : { memberClass: payload.client.memberClass, memberCode: payload.client.memberCode, subsystemCode: payload.client.subsystemCode } }),
    ...(payload.message === undefined ? {} : { message: payload.message }),
  };
  const actor = { id: `member:${verified.signedBy.memberClass}/${verified.signedBy.memberCode}` };
  const next = await registry.change(actor, `management-request.${payload.type}`, describeServer(server), (s) => submitManagementRequest(s, record, at));
  return next.managementRequests.find((r) => r.id === record.id) ?? record;
}
