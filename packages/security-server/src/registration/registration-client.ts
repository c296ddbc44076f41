import { formatClientId, memberId, type Clock, type ClientId, type SecurityServerId } from '@tonle/protocol';
import type { KeyManager } from '../keys/index.ts';
import type { ServerConf } from '../server-conf/index.ts';
import type { SoftwareToken } from '../token/index.ts';
import { RegistrationError } from './errors.ts';
import { buildPayload, signManagementJws, type ManagementEnvelope, type ManagementPayload, type ManagementRequestType } from './management-request.ts';

/** The part of the global configuration registration states are derived from (structural subset of protocol's GlobalConfiguration). */
export interface RegistrationView {
  readonly instanceIdentifier: string;
  readonly securityServers: readonly {
    readonly owner: { readonly memberClass: string; readonly memberCode: string };
    readonly serverCode: string;
    readonly authCertHashes: readonly string[];
    readonly clients: readonly { readonly memberClass: string; readonly memberCode: string; readonly subsystemCode?: string }[];
  }[];
}

/** The registry's answer (HTTP 202): pending until an operator approves, or applied by auto-approval. */
export interface SubmittedRequest {
  readonly id: string;
  readonly requestId: string;
  readonly type: ManagementRequestType;
  readonly status: string;
}

export type ManagementFetch = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string; signal?: AbortSignal },
) => Promise<{ status: number; text(): Promise<string> }>;

export interface RegistrationClientOptions {
  readonly keys: KeyManager;
  readonly token: SoftwareToken;
  readonly serverConf: ServerConf;
  readonly clock: Clock;
  /** This security server (owner + server code). */
  readonly server: () => SecurityServerId;
  /** `<registry public listener>/managementservice`. */
  readonly managementUrl: () => string;
  /** A fresh DER OCSP response for the given certificate (the OCSP service's staple()). */
  readonly ocspResponse: (certificate: Uint8Array) => Promise<Uint8Array>;
  readonly fetch?: ManagementFetch;
  readonly timeoutMs?: number;
}

export interface RegistrationClient {
  /** authCertReg: signed with the new AUTH key (proof of possession) and the owner's SIGN key + cert + OCSP. */
  registerAuthCertificate(input: { hash: string; address: string }): Promise<SubmittedRequest>;
  /** authCertDeletion, signed by the owner. */
  unregisterAuthCertificate(input: { hash: string }): Promise<SubmittedRequest>;
  /** clientReg: signed by the client's owning member (its sign key on this server). */
  registerClient(client: ClientId): Promise<SubmittedRequest>;
  /** clientDeletion, signed by the server owner. */
  unregisterClient(client: ClientId): Promise<SubmittedRequest>;
  /** maintenanceModeEnable / maintenanceModeDisable, signed by the owner (clients are told the server is down for maintenance). */
  setMaintenanceMode(input: { enabled: boolean; message?: string }): Promise<SubmittedRequest>;
  /** Moves auth certificates and clients through their states by what the configuration lists. */
  syncFromGlobalConf(view: RegistrationView): Promise<void>;
  /** The exact envelope a request would be sent as (used by tests and the docs). */
  buildEnvelope(payload: ManagementPayload, options?: { authKeyId?: string }): Promise<ManagementEnvelope>;
}

/**
 * Builds, signs and sends management requests to the central registry in the JSON form it verifies
 * (xroad-digest §4.7, central-registry `verifyManagementRequest`), and keeps local states in step.
 *
 * @example
 * ```ts
 * const registration = createRegistrationClient({ keys, token, serverConf, clock, server: () => ownId,
 *   managementUrl: () => 'https://registry:4001/managementservice', ocspResponse: (der) => ocsp.staple(der) });
 * await registration.registerAuthCertificate({ hash, address: 'ss1.example.org' });
 * ```
 */
export function createRegistrationClient(options: RegistrationClientOptions): RegistrationClient {
  const { keys, token, serverConf, clock } = options;
  const doFetch: ManagementFetch = options.fetch ?? ((url, init) => fetch(url, init));
  const timeoutMs = options.timeoutMs ?? 30_000;

  const send = async (envelope: ManagementEnvelope): Promise<SubmittedRequest> => {
    const url = options.managementUrl();
    let res: { status: number; text(): Promise<string> };
    try {
      res = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(envelope),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      throw new RegistrationError('TONLE_ERR_REGISTRATION_UNREACHABLE', `cannot reach the central registry at ${url}; check the address and the network, then retry`, { cause: e });
    }
    const text = await res.text().catch(() => '');
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // non-JSON answers are reported by status below
    }
    if (res.status !== 202 && res.status !== 200) {
      const registryCode = typeof body['code'] === 'string' ? body['code'] : undefined;
      throw new RegistrationError(
        'TONLE_ERR_REGISTRATION_REFUSED',
        `the central registry refused the request (HTTP ${res.status}${registryCode ? `, ${registryCode}` : ''})`,
        { status: res.status, ...(registryCode === undefined ? {} : { registryCode }) },
      );
    }
    if (typeof body['id'] !== 'string' || typeof body['requestId'] !== 'string' || typeof body['status'] !== 'string') {
      throw new RegistrationError('TONLE_ERR_REGISTRATION_REFUSED', 'the central registry answered without a request id; is the management URL right?', { status: res.status });
    }
    return { id: body['id'], requestId: body['requestId'], type: body['type'] as ManagementRequestType, status: body['status'] };
  };

  const signerOf = (member: { instance: string; memberClass: string; memberCode: string }) => {
    try {
      return keys.signerFor(memberId(member.instance, member.memberClass, member.memberCode));
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'TONLE_ERR_TOKEN_LOGGED_OUT') throw e;
      throw new RegistrationError(
        'TONLE_ERR_REGISTRATION_NO_SIGNING_CERTIFICATE',
        `member ${member.instance}/${member.memberClass}/${member.memberCode} has no active signing certificate on this server; import and activate one first`,
        { cause: e },
      );
    }
  };

  const buildEnvelope = async (payload: ManagementPayload, opts: { authKeyId?: string } = {}): Promise<ManagementEnvelope> => {
    // PR-MSERV: clientReg is signed by the client's owning member, everything else by the server owner.
    const signingMember = payload.type === 'clientReg' && payload.client !== undefined ? payload.client : payload.server;
    const signer = signerOf({ instance: payload.instance, memberClass: signingMember.memberClass, memberCode: signingMember.memberCode });
    const signCert = signer.certificateChain[0] as Uint8Array;
    const bytes = new TextEncoder().encode(JSON.stringify(payload));
    const request = await signManagementJws(bytes, signer, { x5c: signer.certificateChain.map((c) => Buffer.from(c).toString('base64')) });
    let ocsp: Uint8Array;
    try {
      ocsp = await options.ocspResponse(signCert);
    } catch (e) {
      throw new RegistrationError('TONLE_ERR_REGISTRATION_UNREACHABLE', 'cannot get an OCSP response for the signing certificate from the CA; the registry needs one', { cause: e });
    }
    const envelope: ManagementEnvelope = { request, ocspResponse: Buffer.from(ocsp).toString('base64') };
    if (opts.authKeyId === undefined) return envelope;
    const authKeyId = opts.authKeyId;
    const algorithm = token.defaultAlgorithm(authKeyId);
    const authSignature = await signManagementJws(bytes, { algorithm, sign: (d) => token.sign(authKeyId, algorithm, d) });
    return { ...envelope, authSignature };
  };

  const clientStatus = (client: ClientId) => serverConf.current().client(client)?.status;

  return {
    buildEnvelope,
    async registerAuthCertificate({ hash, address }) {
      const cert = keys.getCertificate(hash);
      if (cert === undefined || cert.usage !== 'AUTH') throw new RegistrationError('TONLE_ERR_REGISTRATION_INVALID_REQUEST', `no authentication certificate ${hash} on this server`);
      if (cert.status !== 'SAVED' && cert.status !== 'GLOBAL_ERROR') throw new RegistrationError('TONLE_ERR_REGISTRATION_INVALID_REQUEST', `certificate ${hash} is ${cert.status}; only SAVED (or GLOBAL_ERROR) certificates are registered`);
      if (typeof address !== 'string' || !/^[A-Za-z0-9.:-]{1,253}$/.test(address)) throw new RegistrationError('TONLE_ERR_REGISTRATION_INVALID_REQUEST', 'address must be the host name or IP address of this server');
      const payload = buildPayload(clock, options.server(), 'authCertReg', { address, authCertificate: new Uint8Array(Buffer.from(cert.der, 'base64')) });
      const envelope = await buildEnvelope(payload, { authKeyId: cert.keyId });
      const result = await send(envelope);
      await keys.setCertificateStatus(hash, 'REGISTRATION_IN_PROGRESS', ['SAVED', 'GLOBAL_ERROR']);
      return result;
    },
    async unregisterAuthCertificate({ hash }) {
      const cert = keys.getCertificate(hash);
      if (cert === undefined || cert.usage !== 'AUTH') throw new RegistrationError('TONLE_ERR_REGISTRATION_INVALID_REQUEST', `no authentication certificate ${hash} on this server`);
      const result = await send(await buildEnvelope(buildPayload(clock, options.server(), 'authCertDeletion', { authCertHash: hash })));
      await keys.setCertificateStatus(hash, 'DELETION_IN_PROGRESS', ['REGISTERED', 'REGISTRATION_IN_PROGRESS', 'GLOBAL_ERROR', 'DISABLED', 'SAVED']);
      return result;
    },
    async registerClient(client) {
      const status = clientStatus(client);
      if (status === undefined) throw new RegistrationError('TONLE_ERR_REGISTRATION_INVALID_REQUEST', `add ${formatClientId(client)} to this server before registering it`);
      if (status !== 'SAVED') throw new RegistrationError('TONLE_ERR_REGISTRATION_INVALID_REQUEST', `client ${formatClientId(client)} is ${status}; only SAVED clients are registered`);
      const result = await send(await buildEnvelope(buildPayload(clock, options.server(), 'clientReg', { client })));
      await serverConf.updateClient(client, { status: 'REGISTRATION_IN_PROGRESS' });
      return result;
    },
    async unregisterClient(client) {
      if (clientStatus(client) === undefined) throw new RegistrationError('TONLE_ERR_REGISTRATION_INVALID_REQUEST', `no client ${formatClientId(client)} on this server`);
      const result = await send(await buildEnvelope(buildPayload(clock, options.server(), 'clientDeletion', { client })));
      await serverConf.updateClient(client, { status: 'DELETION_IN_PROGRESS' });
      return result;
    },
    async setMaintenanceMode({ enabled, message }) {
      if (typeof enabled !== 'boolean') throw new RegistrationError('TONLE_ERR_REGISTRATION_INVALID_REQUEST', 'enabled must be true or false');
      if (message !== undefined && (typeof message !== 'string' || message.length > 1024)) throw new RegistrationError('TONLE_ERR_REGISTRATION_INVALID_REQUEST', 'message must be at most 1024 characters');
      const type = enabled ? 'maintenanceModeEnable' : 'maintenanceModeDisable';
      return send(await buildEnvelope(buildPayload(clock, options.server(), type, message === undefined ? {} : { message })));
    },
    async syncFromGlobalConf(view) {
      const me = options.server();
      if (view.instanceIdentifier !== me.instance) return;
      const entry = view.securityServers.find(
        (s) => s.owner.memberClass === me.memberClass && s.owner.memberCode === me.memberCode && s.serverCode === me.serverCode,
      );
      await keys.syncWithGlobalConf(new Set(entry?.authCertHashes ?? []));
      let snapshot;
      try {
        snapshot = serverConf.current();
      } catch {
        return; // not initialised yet: no clients to update
      }
      const listed = new Set((entry?.clients ?? []).map((c) => `${c.memberClass}/${c.memberCode}/${c.subsystemCode ?? ''}`));
      for (const c of snapshot.state.clients) {
        const key = `${c.id.memberClass}/${c.id.memberCode}/${c.id.type === 'SUBSYSTEM' ? c.id.subsystemCode : ''}`;
        if (c.status === 'REGISTRATION_IN_PROGRESS' && listed.has(key)) await serverConf.updateClient(c.id, { status: 'REGISTERED' });
        else if (c.status === 'DELETION_IN_PROGRESS' && !listed.has(key)) await serverConf.updateClient(c.id, { status: 'SAVED' });
      }
    },
  };
}
