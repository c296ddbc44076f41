import { randomUUID } from 'node:crypto';
import type { Clock, ClientId, ManagementRequestEnvelope, ManagementRequestPayload, ManagementRequestType, SecurityServerId } from '@tonle/protocol';

/**
 * The management request payload and envelope are the registry's contract, defined once in @tonle/protocol
 * (PR-MSERV, xroad-digest §4.7); these names are the security server's view of them.
 */
export type { ManagementRequestType };
export type ManagementPayload = ManagementRequestPayload;
export type ManagementEnvelope = ManagementRequestEnvelope;

/** Signs JWS signing input bytes; `alg` is the JWS algorithm of the key. */
export interface JwsKey {
  readonly algorithm: string;
  sign(data: Uint8Array): Promise<Uint8Array>;
}

const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');

/** A compact JWS (RFC 7515 §7.1) over exactly `payload`, signed with node:crypto through the token. */
export async function signManagementJws(payload: Uint8Array, key: JwsKey, extraHeader: Record<string, unknown> = {}): Promise<string> {
  const header = b64url(JSON.stringify({ alg: key.algorithm, typ: 'tonle-management+jws', ...extraHeader }));
  const input = `${header}.${b64url(payload)}`;
  const signature = await key.sign(new TextEncoder().encode(input));
  return `${input}.${b64url(signature)}`;
}

/** Builds a payload with a fresh request id and the signed creation time (the registry's replay window). */
export function buildPayload(
  clock: Clock,
  server: SecurityServerId,
  type: ManagementRequestType,
  fields: { address?: string; authCertificate?: Uint8Array; authCertHash?: string; client?: ClientId; message?: string } = {},
): ManagementPayload {
  return {
    type,
    requestId: randomUUID(),
    createdAt: new Date(clock.now()).toISOString(),
    instance: server.instance,
    server: { memberClass: server.memberClass, memberCode: server.memberCode, serverCode: server.serverCode },
    ...(fields.address === undefined ? {} : { address: fields.address }),
    ...(fields.authCertificate === undefined ? {} : { authCertificate: Buffer.from(fields.authCertificate).toString('base64') }),
    ...(fields.authCertHash === undefined ? {} : { authCertHash: fields.authCertHash }),
    ...(fields.client === undefined
      ? {}
      : {
          client:
            fields.client.type === 'SUBSYSTEM'
              ? { memberClass: fields.client.memberClass, memberCode: fields.client.memberCode, subsystemCode: fields.client.subsystemCode }
              : { memberClass: fields.client.memberClass, memberCode: fields.client.memberCode },
        }),
    ...(fields.message === undefined ? {} : { message: fields.message }),
  };
}
