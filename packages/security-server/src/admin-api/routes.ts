import { createHash, X509Certificate } from 'node:crypto';
import { encodePem, toDer } from '@tonle/pki';
import { formatSecurityServerId, memberId, sameId, securityServerId, type ClientId, type SecurityServerId } from '@tonle/protocol';
import { csrPem, type CertificateRecord } from '../keys/index.ts';
import { RESERVED_SERVICE_CODES, ServerConfError, type AccessRight, type HostedClient, type LocalGroup, type ServiceConf } from '../server-conf/index.ts';
import { TOKEN_KEY_SPECS } from '../token/index.ts';
import { AdminApiError } from './errors.ts';
import {
  formatColonId,
  parseColonClientId,
  parseColonMemberId,
  parseColonServerId,
  parseColonServiceId,
  parseColonSubject,
  parseColonSubsystemId,
} from './ids.ts';
import { EVIDENCE, READERS, REGISTRATION, ROLES, SECURITY, SERVICES, SYSTEM, type Role } from './roles.ts';
import type { AdminServices } from './services.ts';
import { describedService, refreshDescription } from './service-descriptions.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type Schema = Readonly<Record<string, unknown>>;

export interface RouteContext {
  readonly services: AdminServices;
  readonly body: Record<string, unknown>;
  readonly params: Record<string, string>;
  readonly query: Record<string, string>;
  readonly rawBody?: Uint8Array;
}

export interface RouteResult {
  readonly status?: number;
  readonly body?: unknown;
  readonly contentType?: string;
}

export interface RouteDef {
  /** Stable operation id, also the audit action. */
  readonly id: string;
  readonly method: HttpMethod;
  /** Relative to /api/v1, fastify syntax. */
  readonly url: string;
  readonly roles: readonly Role[];
  readonly summary: string;
  readonly body?: Schema;
  readonly querystring?: Schema;
  /** Binary upload (application/octet-stream) with the upload body limit. */
  readonly upload?: boolean;
  /** A JSON body that may be as large as an upload (an OpenAPI description inline). */
  readonly largeBody?: boolean;
  /** The body may be left out entirely (taken as `{}`); it is still validated when sent. */
  readonly optionalBody?: boolean;
  /** Non-secret body fields copied to the audit record. */
  readonly auditFields?: readonly string[];
  handler(ctx: RouteContext): Promise<RouteResult>;
}

const str = (max = 255, extra: Schema = {}): Schema => ({ type: 'string', minLength: 1, maxLength: max, ...extra });
const obj = (properties: Record<string, Schema>, required: readonly string[] = []): Schema => ({
  type: 'object',
  additionalProperties: false,
  properties,
  required,
});
const hostPattern = '^[A-Za-z0-9.:-]{1,253}$';
const endpointSchema = obj({ method: str(10, { pattern: '^([A-Z]+|\\*)$' }), path: str(1024) }, ['method', 'path']);

const ok = (body?: unknown, status = 200): RouteResult => (body === undefined ? { status: status === 200 ? 204 : status } : { status, body });

function serverId(s: AdminServices): SecurityServerId {
  const state = s.serverConf.current().state;
  return securityServerId(state.owner.instance, state.owner.memberClass, state.owner.memberCode, state.serverCode);
}

function certView(c: CertificateRecord) {
  return {
    hash: c.hash,
    keyId: c.keyId,
    usage: c.usage,
    ...(c.memberId === undefined ? {} : { memberId: c.memberId.split('/').join(':') }),
    status: c.status,
    active: c.active,
    subject: c.subject,
    issuer: c.issuer,
    notBefore: new Date(c.notBefore).toISOString(),
    notAfter: new Date(c.notAfter).toISOString(),
    ...(c.ocsp === undefined ? {} : { ocsp: { status: c.ocsp.status, checkedAt: new Date(c.ocsp.checkedAt).toISOString() } }),
  };
}

function clientView(c: HostedClient) {
  return { id: formatColonId(c.id), status: c.status, isAuthentication: c.isAuthentication, isCertHashes: c.isCertHashes };
}
function serviceView(sv: ServiceConf) {
  return {
    id: formatColonId(sv.id),
    type: sv.type,
    url: sv.url,
    timeoutSeconds: sv.timeoutSeconds,
    tlsVerify: sv.tlsVerify,
    pinnedCertHashes: sv.pinnedCertHashes,
    enabled: sv.enabled,
    ...(sv.disabledNotice === undefined ? {} : { disabledNotice: sv.disabledNotice }),
    endpoints: sv.endpoints,
    ...(sv.openapi === undefined
      ? {}
      : { openapi: { format: sv.openapi.format, source: sv.openapi.source, importedAt: new Date(sv.openapi.importedAt).toISOString() } }),
  };
}
function rightView(r: AccessRight) {
  return { service: formatColonId(r.service), subject: formatColonId(r.subject), ...(r.endpoint === undefined ? {} : { endpoint: r.endpoint }) };
}
function groupView(g: LocalGroup) {
  return { owner: formatColonId(g.owner), code: g.code, description: g.description, members: g.members.map(formatColonId) };
}

function certificateInput(body: Record<string, unknown>, raw?: Uint8Array): Uint8Array | string {
  if (raw !== undefined && raw.length > 0) {
    const text = Buffer.from(raw).toString('latin1');
    return text.includes('-----BEGIN') ? text : raw;
  }
  const c = body['certificate'];
  if (typeof c !== 'string') throw new AdminApiError('TONLE_ERR_ADMIN_VALIDATION', 400, 'send the certificate as PEM or base64 DER in "certificate", or as the raw body');
  return c.includes('-----BEGIN') ? c : new Uint8Array(Buffer.from(c, 'base64'));
}

/** A TLS certificate as the admin API shows it; `hash` (SHA-256 of the DER) is what the client proxy matches. */
function isCertificate(input: Uint8Array | string): { hash: string; subject: string; issuer: string; notBefore: string; notAfter: string } {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(typeof input === 'string' ? Buffer.from(toDer(input, 'CERTIFICATE')) : input);
  } catch {
    throw new AdminApiError('TONLE_ERR_ADMIN_VALIDATION', 400, 'the body is not an X.509 certificate: send one PEM CERTIFICATE block or its DER bytes');
  }
  return {
    hash: createHash('sha256').update(x509.raw).digest('hex'),
    subject: x509.subject,
    issuer: x509.issuer,
    notBefore: new Date(x509.validFrom).toISOString(),
    notAfter: new Date(x509.validTo).toISOString(),
  };
}

function internalTlsPem(s: AdminServices): string {
  if (s.clientProxyTlsCertificate === undefined) {
    throw new AdminApiError('TONLE_ERR_ADMIN_NOT_FOUND', 404, 'the client proxy has no HTTPS port: set clientProxy.https.port and restart');
  }
  return encodePem('CERTIFICATE', s.clientProxyTlsCertificate());
}

function rightFrom(body: Record<string, unknown>, service: string): AccessRight {
  const endpoint = body['endpoint'] as { method: string; path: string } | undefined;
  return { service: parseColonServiceId(service), subject: parseColonSubject(body['subject']), ...(endpoint === undefined ? {} : { endpoint }) };
}

/** Every admin API route (xroad-digest §8.2 resource groups), with the roles allowed to call it. */
export const ROUTES: readonly RouteDef[] = [
  // ---- initialisation ----
  {
    id: 'initialization.status',
    method: 'GET',
    url: '/initialization/status',
    roles: READERS,
    summary: 'What is initialised: anchor, server-conf, token',
    async handler({ services: s }) {
      let server: string | undefined;
      try {
        server = formatColonId(memberId(serverId(s).instance, serverId(s).memberClass, serverId(s).memberCode)) + `:${serverId(s).serverCode}`;
      } catch {
        server = undefined;
      }
      return ok({
        anchorImported: s.anchor.current() !== undefined,
        serverConfInitialized: server !== undefined,
        tokenInitialized: s.token.status().initialized,
        ...(s.anchor.current() === undefined ? {} : { instance: s.anchor.current()!.instanceIdentifier }),
        ...(server === undefined ? {} : { serverId: server }),
      });
    },
  },
  {
    id: 'initialization.initialize',
    method: 'POST',
    url: '/initialization',
    roles: SYSTEM,
    summary: 'Initialise from a configuration anchor: owner, server code, token PIN',
    body: obj({ anchor: str(65536), ownerMemberClass: str(), ownerMemberCode: str(), serverCode: str(), pin: str(256) }, ['anchor', 'ownerMemberClass', 'ownerMemberCode', 'serverCode', 'pin']),
    auditFields: ['ownerMemberClass', 'ownerMemberCode', 'serverCode'],
    async handler({ services: s, body }) {
      let initialised = true;
      try {
        s.serverConf.current();
      } catch {
        initialised = false;
      }
      if (initialised) throw new AdminApiError('TONLE_ERR_ADMIN_CONFLICT', 409, 'this security server is already initialised');
      const anchor = await s.anchor.install(body['anchor'] as string);
      const owner = memberId(anchor.instanceIdentifier, body['ownerMemberClass'] as string, body['ownerMemberCode'] as string);
      const id = securityServerId(owner.instance, owner.memberClass, owner.memberCode, body['serverCode'] as string);
      // A token kept from before (restored directory) is not re-keyed: its PIN is checked by logging in.
      if (s.token.status().initialized) await s.token.login(body['pin'] as string);
      else await s.token.initialize(body['pin'] as string);
      await s.serverConf.initialize({ owner, serverCode: id.serverCode });
      await s.afterInitialization?.();
      return ok({ serverId: formatSecurityServerId(id).split('/').join(':'), instance: anchor.instanceIdentifier }, 201);
    },
  },
  // ---- token ----
  {
    id: 'tokens.get',
    method: 'GET',
    url: '/tokens/0',
    roles: READERS,
    summary: 'Software token status and keys',
    async handler({ services: s }) {
      const st = s.token.status();
      return ok({
        id: '0',
        type: 'SOFTWARE',
        initialized: st.initialized,
        loggedIn: st.loggedIn,
        failedAttempts: st.failedAttempts,
        ...(st.lockedUntil === undefined ? {} : { lockedUntil: new Date(st.lockedUntil).toISOString() }),
        keys: s.keys.listKeys().map((k) => k.id),
      });
    },
  },
  {
    id: 'tokens.login',
    method: 'PUT',
    url: '/tokens/0/login',
    roles: SECURITY,
    summary: 'Log the software token in with its PIN',
    body: obj({ pin: str(256) }, ['pin']),
    async handler({ services: s, body }) {
      await s.token.login(body['pin'] as string);
      return ok();
    },
  },
  {
    id: 'tokens.logout',
    method: 'PUT',
    url: '/tokens/0/logout',
    roles: SECURITY,
    summary: 'Log the software token out',
    async handler({ services: s }) {
      s.token.logout();
      return ok();
    },
  },
  {
    id: 'tokens.change-pin',
    method: 'PUT',
    url: '/tokens/0/pin',
    roles: SECURITY,
    summary: 'Change the token PIN',
    body: obj({ oldPin: str(256), newPin: str(256) }, ['oldPin', 'newPin']),
    async handler({ services: s, body }) {
      await s.token.changePin(body['oldPin'] as string, body['newPin'] as string);
      return ok();
    },
  },
  // ---- keys and CSRs ----
  {
    id: 'keys.list',
    method: 'GET',
    url: '/keys',
    roles: READERS,
    summary: 'Keys with their certificates and CSRs',
    async handler({ services: s }) {
      return ok(
        s.keys.listKeys().map((k) => ({
          id: k.id,
          usage: k.usage,
          spec: k.spec,
          label: k.label,
          ...(k.memberId === undefined ? {} : { memberId: k.memberId.split('/').join(':') }),
          createdAt: new Date(k.createdAt).toISOString(),
          certificates: s.keys.listCertificates().filter((c) => c.keyId === k.id).map(certView),
          csrs: s.keys.listCsrs().filter((c) => c.keyId === k.id).map((c) => ({ id: c.id, profile: c.profile, createdAt: new Date(c.createdAt).toISOString() })),
        })),
      );
    },
  },
  {
    id: 'keys.generate',
    method: 'POST',
    url: '/keys',
    roles: SECURITY,
    summary: 'Generate a SIGN (member) or AUTH (server) key on the token',
    body: obj({ usage: { enum: ['SIGN', 'AUTH'] }, spec: { enum: [...TOKEN_KEY_SPECS] }, label: { type: 'string', maxLength: 255 }, memberId: str(1024) }, ['usage', 'spec']),
    auditFields: ['usage', 'spec', 'label', 'memberId'],
    async handler({ services: s, body }) {
      const k = await s.keys.generateKey({
        usage: body['usage'] as 'SIGN' | 'AUTH',
        spec: body['spec'] as (typeof TOKEN_KEY_SPECS)[number],
        ...(typeof body['label'] === 'string' ? { label: body['label'] } : {}),
        ...(body['memberId'] === undefined ? {} : { memberId: parseColonMemberId(body['memberId']) }),
      });
      return ok({ id: k.id, usage: k.usage, spec: k.spec, label: k.label, ...(k.memberId === undefined ? {} : { memberId: k.memberId.split('/').join(':') }) }, 201);
    },
  },
  {
    id: 'keys.delete',
    method: 'DELETE',
    url: '/keys/:id',
    roles: SECURITY,
    summary: 'Delete a key (refused for the last active key of its kind)',
    async handler({ services: s, params }) {
      await s.keys.deleteKey(params['id']!);
      return ok();
    },
  },
  {
    id: 'csrs.create',
    method: 'POST',
    url: '/keys/:id/csrs',
    roles: SECURITY,
    summary: 'Create a CSR for a key by the CA certificate profile (PEM)',
    body: obj({ profile: str(64), memberId: str(1024) }),
    auditFields: ['profile', 'memberId'],
    async handler({ services: s, params, body }) {
      const key = s.keys.getKey(params['id']!);
      const csr = await s.keys.createCsr({
        keyId: params['id']!,
        ...(typeof body['profile'] === 'string' ? { profile: body['profile'] } : {}),
        ...(body['memberId'] === undefined ? {} : { memberId: parseColonMemberId(body['memberId']) }),
        ...(key?.usage === 'AUTH' ? { server: serverId(s) } : {}),
      });
      return ok({ id: csr.id, keyId: csr.keyId, usage: csr.usage, profile: csr.profile, subject: csr.subject, pem: csrPem(csr) }, 201);
    },
  },
  {
    id: 'csrs.list',
    method: 'GET',
    url: '/csrs',
    roles: READERS,
    summary: 'Pending CSRs',
    async handler({ services: s }) {
      return ok(s.keys.listCsrs().map((c) => ({ id: c.id, keyId: c.keyId, usage: c.usage, profile: c.profile, subject: c.subject, pem: csrPem(c) })));
    },
  },
  {
    id: 'csrs.delete',
    method: 'DELETE',
    url: '/csrs/:id',
    roles: SECURITY,
    summary: 'Delete a CSR',
    async handler({ services: s, params }) {
      await s.keys.deleteCsr(params['id']!);
      return ok();
    },
  },
  // ---- certificates ----
  {
    id: 'certificates.list',
    method: 'GET',
    url: '/certificates',
    roles: READERS,
    summary: 'Certificates on the token with their state and OCSP status',
    async handler({ services: s }) {
      return ok(s.keys.listCertificates().map(certView));
    },
  },
  {
    id: 'certificates.import',
    method: 'POST',
    url: '/certificates',
    roles: SECURITY,
    upload: true,
    summary: 'Import a certificate issued for one of the keys (PEM or DER body)',
    async handler({ services: s, body, rawBody }) {
      return ok(certView(await s.keys.importCertificate(certificateInput(body, rawBody))), 201);
    },
  },
  {
    id: 'certificates.activate',
    method: 'PUT',
    url: '/certificates/:hash/activate',
    roles: SECURITY,
    summary: 'Activate a certificate (needs a good OCSP response)',
    async handler({ services: s, params }) {
      return ok(certView(await s.keys.activateCertificate(params['hash']!)));
    },
  },
  {
    id: 'certificates.disable',
    method: 'PUT',
    url: '/certificates/:hash/disable',
    roles: SECURITY,
    summary: 'Disable a certificate',
    async handler({ services: s, params }) {
      return ok(certView(await s.keys.disableCertificate(params['hash']!)));
    },
  },
  {
    id: 'certificates.delete',
    method: 'DELETE',
    url: '/certificates/:hash',
    roles: SECURITY,
    summary: 'Delete a certificate',
    async handler({ services: s, params }) {
      await s.keys.deleteCertificate(params['hash']!);
      return ok();
    },
  },
  {
    id: 'certificates.register',
    method: 'PUT',
    url: '/certificates/:hash/register',
    roles: REGISTRATION,
    summary: 'Send the authentication certificate registration request to the central registry',
    body: obj({ address: str(253, { pattern: hostPattern }) }, ['address']),
    auditFields: ['address'],
    async handler({ services: s, params, body }) {
      return ok(await s.registration.registerAuthCertificate({ hash: params['hash']!, address: body['address'] as string }), 202);
    },
  },
  {
    id: 'certificates.unregister',
    method: 'PUT',
    url: '/certificates/:hash/unregister',
    roles: REGISTRATION,
    summary: 'Send the authentication certificate deletion request',
    async handler({ services: s, params }) {
      return ok(await s.registration.unregisterAuthCertificate({ hash: params['hash']! }), 202);
    },
  },
  // ---- clients ----
  {
    id: 'clients.list',
    method: 'GET',
    url: '/clients',
    roles: READERS,
    summary: 'Clients hosted on this server',
    async handler({ services: s }) {
      return ok(s.serverConf.current().state.clients.map(clientView));
    },
  },
  {
    id: 'clients.add',
    method: 'POST',
    url: '/clients',
    roles: REGISTRATION,
    summary: 'Add a client (member or subsystem) to this server',
    body: obj({ id: str(1024), isAuthentication: { enum: ['NOSSL', 'SSLNOAUTH', 'SSLAUTH'] } }, ['id']),
    auditFields: ['id', 'isAuthentication'],
    async handler({ services: s, body }) {
      const id = parseColonClientId(body['id']);
      const snap = await s.serverConf.addClient({
        id,
        ...(body['isAuthentication'] === undefined ? {} : { isAuthentication: body['isAuthentication'] as HostedClient['isAuthentication'] }),
      });
      return ok(clientView(snap.client(id)!), 201);
    },
  },
  {
    id: 'clients.register',
    method: 'PUT',
    url: '/clients/:id/register',
    roles: REGISTRATION,
    summary: 'Send the client registration request (signed by the owning member)',
    async handler({ services: s, params }) {
      return ok(await s.registration.registerClient(parseColonClientId(params['id'])), 202);
    },
  },
  {
    id: 'clients.unregister',
    method: 'PUT',
    url: '/clients/:id/unregister',
    roles: REGISTRATION,
    summary: 'Send the client deletion request',
    async handler({ services: s, params }) {
      return ok(await s.registration.unregisterClient(parseColonClientId(params['id'])), 202);
    },
  },
  {
    id: 'clients.delete',
    method: 'DELETE',
    url: '/clients/:id',
    roles: REGISTRATION,
    summary: 'Remove a client from this server',
    async handler({ services: s, params }) {
      await s.serverConf.removeClient(parseColonClientId(params['id']));
      return ok();
    },
  },
  // ---- information-system authentication (X-Road ug-ss 9.2: connection type and internal TLS certificates) ----
  {
    id: 'clients.update',
    method: 'PATCH',
    url: '/clients/:id',
    roles: SERVICES,
    summary: "Set a client's information-system connection type: NOSSL (HTTP or HTTPS), SSLNOAUTH (HTTPS), SSLAUTH (HTTPS with a registered certificate)",
    body: obj({ isAuthentication: { enum: ['NOSSL', 'SSLNOAUTH', 'SSLAUTH'] } }, ['isAuthentication']),
    auditFields: ['isAuthentication'],
    async handler({ services: s, params, body }) {
      const id = parseColonClientId(params['id']);
      const snap = await s.serverConf.updateClient(id, { isAuthentication: body['isAuthentication'] as HostedClient['isAuthentication'] });
      return ok(clientView(snap.client(id)!));
    },
  },
  {
    id: 'clients.tls-certificates.list',
    method: 'GET',
    url: '/clients/:id/tls-certificates',
    roles: READERS,
    summary: "SHA-256 hashes of the information systems' TLS certificates registered for a client (SSLAUTH)",
    async handler({ services: s, params }) {
      const client = s.serverConf.current().client(parseColonClientId(params['id']));
      if (client === undefined) throw new AdminApiError('TONLE_ERR_ADMIN_NOT_FOUND', 404, 'no such client on this server; list them with GET /clients');
      return ok(client.isCertHashes.map((hash) => ({ hash })));
    },
  },
  {
    id: 'clients.tls-certificates.add',
    method: 'POST',
    url: '/clients/:id/tls-certificates',
    roles: SERVICES,
    upload: true,
    summary: "Register an information system's TLS client certificate for a client (PEM or DER body); only its SHA-256 is kept",
    async handler({ services: s, params, body, rawBody }) {
      const id = parseColonClientId(params['id']);
      const cert = isCertificate(certificateInput(body, rawBody));
      await s.serverConf.update((state) => {
        const client = state.clients.find((c) => sameId(c.id, id));
        if (client === undefined) throw new AdminApiError('TONLE_ERR_ADMIN_NOT_FOUND', 404, 'no such client on this server; list them with GET /clients');
        if (client.isCertHashes.includes(cert.hash)) throw new AdminApiError('TONLE_ERR_ADMIN_CONFLICT', 409, 'this certificate is already registered for the client');
        return { ...state, clients: state.clients.map((c) => (c === client ? { ...c, isCertHashes: [...c.isCertHashes, cert.hash] } : c)) };
      });
      return ok(cert, 201);
    },
  },
  {
    id: 'clients.tls-certificates.delete',
    method: 'DELETE',
    url: '/clients/:id/tls-certificates/:hash',
    roles: SERVICES,
    summary: "Remove an information system's TLS certificate from a client",
    async handler({ services: s, params }) {
      const id = parseColonClientId(params['id']);
      const hash = (params['hash'] ?? '').toLowerCase();
      await s.serverConf.update((state) => {
        const client = state.clients.find((c) => sameId(c.id, id));
        if (client === undefined) throw new AdminApiError('TONLE_ERR_ADMIN_NOT_FOUND', 404, 'no such client on this server; list them with GET /clients');
        if (!client.isCertHashes.includes(hash)) throw new AdminApiError('TONLE_ERR_ADMIN_NOT_FOUND', 404, 'no such certificate for this client; list them with GET /clients/{id}/tls-certificates');
        return { ...state, clients: state.clients.map((c) => (c === client ? { ...c, isCertHashes: c.isCertHashes.filter((h) => h !== hash) } : c)) };
      });
      return ok();
    },
  },
  {
    id: 'system.certificate',
    method: 'GET',
    url: '/system/certificate',
    roles: READERS,
    summary: "The client proxy's HTTPS (internal TLS) certificate: hash, subject, validity and PEM, for information systems to pin",
    async handler({ services: s }) {
      const pem = internalTlsPem(s);
      return ok({ ...isCertificate(pem), pem });
    },
  },
  {
    id: 'system.certificate.export',
    method: 'GET',
    url: '/system/certificate/export',
    roles: READERS,
    summary: "Download the client proxy's HTTPS (internal TLS) certificate as PEM",
    async handler({ services: s }) {
      return { status: 200, body: internalTlsPem(s), contentType: 'application/x-pem-file' };
    },
  },
  // ---- services, endpoints, access rights ----
  {
    id: 'services.list',
    method: 'GET',
    url: '/clients/:id/services',
    roles: READERS,
    summary: 'Services of a hosted subsystem',
    async handler({ services: s, params }) {
      return ok(s.serverConf.current().servicesOf(parseColonSubsystemId(params['id'])).map(serviceView));
    },
  },
  {
    id: 'services.add',
    method: 'POST',
    url: '/services',
    roles: SERVICES,
    summary: 'Add a REST service (base URL, endpoints by hand) or an OPENAPI3 service from a description (text in openapi, or openapiUrl fetched by the server)',
    largeBody: true,
    body: obj(
      {
        id: str(1024),
        url: str(2048),
        type: { enum: ['REST', 'OPENAPI3'] },
        openapi: { type: 'string', minLength: 1, maxLength: 4 * 1024 * 1024, description: 'The OpenAPI 3.0/3.1 description (JSON or YAML text); endpoints are generated from it' },
        openapiUrl: str(2048, { description: 'http(s) URL the server fetches the description from (10 s, 4 MiB, no redirects); kept for refresh' }),
        timeoutSeconds: { type: 'integer', minimum: 1, maximum: 3600 },
        tlsVerify: { type: 'boolean' },
        enabled: { type: 'boolean' },
        disabledNotice: { type: 'string', maxLength: 1024 },
        endpoints: { type: 'array', maxItems: 1000, items: endpointSchema },
      },
      ['id'],
    ),
    auditFields: ['id', 'url', 'type', 'enabled', 'openapiUrl'],
    async handler({ services: s, body }) {
      const id = parseColonServiceId(body['id']);
      // Refused before anything else (the server configuration refuses them too, on every path).
      if (RESERVED_SERVICE_CODES.includes(id.serviceCode)) {
        throw new ServerConfError('TONLE_ERR_SERVERCONF_RESERVED_SERVICE_CODE', `${id.serviceCode} is a metaservice name (docs/metaservices.md); choose another service code`);
      }
      const { id: _id, openapi: _text, openapiUrl: _from, ...rest } = body;
      const described = await describedService(s, body);
      const snap = await s.serverConf.addService({ id, ...(rest as { url: string }), ...(described ?? {}) });
      return ok(serviceView(snap.service(id)!), 201);
    },
  },
  {
    id: 'services.refresh-openapi',
    method: 'PUT',
    url: '/services/:id/openapi/refresh',
    roles: SERVICES,
    summary: 'Re-read an OPENAPI3 service description (stored URL, or new openapi text / openapiUrl) and replace its generated endpoints; rights on endpoints that disappear are revoked',
    largeBody: true,
    optionalBody: true,
    body: obj({
      openapi: { type: 'string', minLength: 1, maxLength: 4 * 1024 * 1024 },
      openapiUrl: str(2048),
    }),
    auditFields: ['openapiUrl'],
    async handler({ services: s, params, body }) {
      const id = parseColonServiceId(params['id']);
      const result = await refreshDescription(s, id, body);
      return ok({
        service: serviceView(result.snapshot.service(id)!),
        added: result.added,
        removed: result.removed,
        removedAccessRights: result.removedRights.map(rightView),
      });
    },
  },
  {
    id: 'services.update',
    method: 'PATCH',
    url: '/services/:id',
    roles: SERVICES,
    summary: "Change a service (URL, timeout, enabled, TLS: verification and the provider's pinned certificates)",
    body: obj({
      url: str(2048),
      type: { enum: ['REST', 'OPENAPI3'] },
      timeoutSeconds: { type: 'integer', minimum: 1, maximum: 3600 },
      tlsVerify: { type: 'boolean' },
      // SHA-256 (hex) of the DER certificates an https: provider may present; [] = the system trust store.
      pinnedCertHashes: { type: 'array', maxItems: 16, items: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' } },
      enabled: { type: 'boolean' },
      disabledNotice: { type: 'string', maxLength: 1024 },
    }),
    auditFields: ['url', 'type', 'timeoutSeconds', 'tlsVerify', 'pinnedCertHashes', 'enabled'],
    async handler({ services: s, params, body }) {
      const id = parseColonServiceId(params['id']);
      const pins = body['pinnedCertHashes'] as string[] | undefined;
      const snap = await s.serverConf.updateService(id, { ...body, ...(pins === undefined ? {} : { pinnedCertHashes: pins.map((h) => h.toLowerCase()) }) });
      return ok(serviceView(snap.service(id)!));
    },
  },
  {
    id: 'services.delete',
    method: 'DELETE',
    url: '/services/:id',
    roles: SERVICES,
    summary: 'Remove a service',
    async handler({ services: s, params }) {
      await s.serverConf.removeService(parseColonServiceId(params['id']));
      return ok();
    },
  },
  {
    id: 'endpoints.add',
    method: 'POST',
    url: '/services/:id/endpoints',
    roles: SERVICES,
    summary: 'Add an endpoint (method + path glob) to a service',
    body: endpointSchema,
    auditFields: ['method', 'path'],
    async handler({ services: s, params, body }) {
      const id = parseColonServiceId(params['id']);
      const snap = await s.serverConf.addEndpoint(id, body as { method: string; path: string });
      return ok(serviceView(snap.service(id)!), 201);
    },
  },
  {
    id: 'access-rights.list',
    method: 'GET',
    url: '/services/:id/access-rights',
    roles: READERS,
    summary: 'Access rights of a service',
    async handler({ services: s, params }) {
      return ok(s.serverConf.current().accessRights(parseColonServiceId(params['id'])).map(rightView));
    },
  },
  {
    id: 'access-rights.grant',
    method: 'POST',
    url: '/services/:id/access-rights',
    roles: SERVICES,
    summary: 'Grant access to a subsystem, a global group or a local group',
    body: obj({ subject: str(1024), endpoint: endpointSchema }, ['subject']),
    auditFields: ['subject'],
    async handler({ services: s, params, body }) {
      await s.serverConf.grantAccess(rightFrom(body, params['id']!));
      return ok(s.serverConf.current().accessRights(parseColonServiceId(params['id'])).map(rightView), 201);
    },
  },
  {
    id: 'access-rights.revoke',
    method: 'POST',
    url: '/services/:id/access-rights/delete',
    roles: SERVICES,
    summary: 'Revoke an access right',
    body: obj({ subject: str(1024), endpoint: endpointSchema }, ['subject']),
    auditFields: ['subject'],
    async handler({ services: s, params, body }) {
      await s.serverConf.revokeAccess(rightFrom(body, params['id']!));
      return ok();
    },
  },
  // ---- local groups ----
  {
    id: 'local-groups.list',
    method: 'GET',
    url: '/clients/:id/local-groups',
    roles: READERS,
    summary: 'Local groups of a hosted client',
    async handler({ services: s, params }) {
      const owner: ClientId = parseColonClientId(params['id']);
      const f = formatColonId(owner);
      return ok(s.serverConf.current().state.localGroups.filter((g) => formatColonId(g.owner) === f).map(groupView));
    },
  },
  {
    id: 'local-groups.add',
    method: 'POST',
    url: '/clients/:id/local-groups',
    roles: SERVICES,
    summary: 'Add a local group',
    body: obj({ code: str(), description: { type: 'string', maxLength: 1024 }, members: { type: 'array', maxItems: 10000, items: str(1024) } }, ['code']),
    auditFields: ['code'],
    async handler({ services: s, params, body }) {
      const owner = parseColonClientId(params['id']);
      const snap = await s.serverConf.addLocalGroup({
        owner,
        code: body['code'] as string,
        ...(typeof body['description'] === 'string' ? { description: body['description'] } : {}),
        ...(Array.isArray(body['members']) ? { members: (body['members'] as string[]).map(parseColonClientId) } : {}),
      });
      return ok(groupView(snap.localGroup(owner, body['code'] as string)!), 201);
    },
  },
  {
    id: 'local-groups.add-members',
    method: 'POST',
    url: '/clients/:id/local-groups/:code/members',
    roles: SERVICES,
    summary: 'Add members to a local group',
    body: obj({ members: { type: 'array', minItems: 1, maxItems: 10000, items: str(1024) } }, ['members']),
    async handler({ services: s, params, body }) {
      const owner = parseColonClientId(params['id']);
      const snap = await s.serverConf.addLocalGroupMembers(owner, params['code']!, (body['members'] as string[]).map(parseColonClientId));
      return ok(groupView(snap.localGroup(owner, params['code']!)!));
    },
  },
  {
    id: 'local-groups.delete',
    method: 'DELETE',
    url: '/clients/:id/local-groups/:code',
    roles: SERVICES,
    summary: 'Remove a local group',
    async handler({ services: s, params }) {
      await s.serverConf.removeLocalGroup(parseColonClientId(params['id']), params['code']!);
      return ok();
    },
  },
  // ---- system ----
  {
    id: 'timestamping-services.list',
    method: 'GET',
    url: '/timestamping-services',
    roles: READERS,
    summary: 'Time-stamping services in use, in priority order',
    async handler({ services: s }) {
      return ok(s.settings.timestampingServices());
    },
  },
  {
    id: 'timestamping-services.add',
    method: 'POST',
    url: '/timestamping-services',
    roles: SYSTEM,
    summary: 'Use a time-stamping service (one of the approved TSAs)',
    body: obj({ name: str(), url: str(2048, { pattern: '^https?://' }) }, ['name', 'url']),
    auditFields: ['name', 'url'],
    async handler({ services: s, body }) {
      await s.settings.addTimestampingService({ name: body['name'] as string, url: body['url'] as string });
      return ok(s.settings.timestampingServices(), 201);
    },
  },
  {
    id: 'timestamping-services.delete',
    method: 'DELETE',
    url: '/timestamping-services/:name',
    roles: SYSTEM,
    summary: 'Stop using a time-stamping service',
    async handler({ services: s, params }) {
      await s.settings.removeTimestampingService(params['name']!);
      return ok();
    },
  },
  {
    id: 'maintenance-mode.set',
    method: 'PUT',
    url: '/system/maintenance-mode',
    roles: SYSTEM,
    summary: 'Ask the central registry to put this server in (or out of) maintenance mode',
    body: obj({ enabled: { type: 'boolean' }, message: { type: 'string', maxLength: 1024 } }, ['enabled']),
    auditFields: ['enabled', 'message'],
    async handler({ services: s, body }) {
      return ok(
        await s.registration.setMaintenanceMode({ enabled: body['enabled'] as boolean, ...(typeof body['message'] === 'string' ? { message: body['message'] } : {}) }),
        202,
      );
    },
  },
  // ---- diagnostics ----
  {
    id: 'diagnostics.globalconf',
    method: 'GET',
    url: '/diagnostics/globalconf',
    roles: READERS,
    summary: 'Global configuration: state, version, age and expiry',
    async handler({ services: s }) {
      const st = s.diagnostics.globalConf();
      const now = s.clock.now();
      return ok({
        state: st.state,
        consecutiveFailures: st.consecutiveFailures,
        ...(st.version === undefined ? {} : { version: st.version }),
        ...(st.expiresAtMs === undefined ? {} : { expiresAt: new Date(st.expiresAtMs).toISOString(), expiresInSeconds: Math.floor((st.expiresAtMs - now) / 1000) }),
        ...(st.lastSuccessAtMs === undefined ? {} : { lastSuccessAt: new Date(st.lastSuccessAtMs).toISOString(), ageSeconds: Math.floor((now - st.lastSuccessAtMs) / 1000) }),
        ...(st.lastErrorCode === undefined ? {} : { lastErrorCode: st.lastErrorCode }),
      });
    },
  },
  {
    id: 'diagnostics.ocsp',
    method: 'GET',
    url: '/diagnostics/ocsp-responders',
    roles: READERS,
    summary: 'OCSP status of this server\'s certificates',
    async handler({ services: s }) {
      return ok(
        s.keys.listCertificates().map((c) => ({
          hash: c.hash,
          usage: c.usage,
          active: c.active,
          ocsp: c.ocsp === undefined ? 'unknown' : c.ocsp.status,
          ...(c.ocsp === undefined ? {} : { checkedAt: new Date(c.ocsp.checkedAt).toISOString() }),
          ...(c.ocsp?.nextUpdate === undefined ? {} : { nextUpdate: new Date(c.ocsp.nextUpdate).toISOString() }),
        })),
      );
    },
  },
  {
    id: 'diagnostics.timestamping',
    method: 'GET',
    url: '/diagnostics/timestamping-services',
    roles: READERS,
    summary: 'Time-stamping services and whether they answer',
    async handler({ services: s }) {
      return ok(await s.diagnostics.timestamping());
    },
  },
  {
    id: 'diagnostics.certificate-expiry',
    method: 'GET',
    url: '/diagnostics/certificate-expiry',
    roles: READERS,
    summary: 'Certificates expiring within `days` (default 30)',
    querystring: obj({ days: { type: 'string', pattern: '^[0-9]{1,4}$' } }),
    async handler({ services: s, query }) {
      const days = query['days'] === undefined ? 30 : Number(query['days']);
      return ok(
        s.keys.expiryWarnings(days * 86_400_000).map((w) => ({ hash: w.hash, usage: w.usage, expired: w.expired, notAfter: new Date(w.notAfter).toISOString() })),
      );
    },
  },
  {
    id: 'diagnostics.connection-test',
    method: 'GET',
    url: '/diagnostics/connection-test/:serverId',
    roles: READERS,
    summary: "Connect to another security server over mutual TLS with this server's authentication certificate and check its certificate against the global configuration",
    async handler({ services: s, params }) {
      const server = parseColonServerId(params['serverId']);
      if (s.connectionTest === undefined) throw new AdminApiError('TONLE_ERR_ADMIN_NOT_FOUND', 404, 'connection tests need a registered authentication certificate and a global configuration');
      return ok(await s.connectionTest(server));
    },
  },
  {
    id: 'message-log.evidence',
    method: 'GET',
    url: '/message-log/evidence/:xRoadId',
    roles: EVIDENCE,
    summary: "One message's evidence bundle: records, signatures, certificate chains, OCSP responses, inclusion proofs, checkpoints, time-stamp tokens (verify with tonle audit verify-bundle)",
    async handler({ services: s, params }) {
      if (s.evidence === undefined) throw new AdminApiError('TONLE_ERR_ADMIN_NOT_FOUND', 404, 'the durable message log is not running on this server');
      try {
        return ok(await s.evidence(params['xRoadId']!));
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code === 'TONLE_ERR_MESSAGE_LOG_NOT_FOUND') throw new AdminApiError('TONLE_ERR_ADMIN_NOT_FOUND', 404, (error as Error).message);
        throw error;
      }
    },
  },
  {
    id: 'diagnostics.operational-monitoring',
    method: 'GET',
    url: '/diagnostics/operational-monitoring',
    roles: READERS,
    summary: 'Operational monitoring records by time range (epoch seconds), paged with `cursor`',
    querystring: obj(
      { recordsFrom: { type: 'string', pattern: '^[0-9]{1,12}$' }, recordsTo: { type: 'string', pattern: '^[0-9]{1,12}$' }, limit: { type: 'string', pattern: '^[0-9]{1,5}$' }, cursor: str(256), client: str(1024) },
      ['recordsFrom', 'recordsTo'],
    ),
    async handler({ services: s, query }) {
      if (s.opMonitoring === undefined) throw new AdminApiError('TONLE_ERR_ADMIN_NOT_FOUND', 404, 'operational monitoring is not enabled on this server');
      const client = query['client'] === undefined ? undefined : parseColonClientId(query['client']);
      const page = await s.opMonitoring.query({
        recordsFrom: Number(query['recordsFrom']),
        recordsTo: Number(query['recordsTo']),
        ...(query['limit'] === undefined ? {} : { limit: Number(query['limit']) }),
        ...(query['cursor'] === undefined ? {} : { cursor: query['cursor'] }),
        ...(client === undefined
          ? {}
          : { client: { instance: client.instance, memberClass: client.memberClass, memberCode: client.memberCode, ...(client.type === 'SUBSYSTEM' ? { subsystemCode: client.subsystemCode } : {}) } }),
      });
      return ok(page);
    },
  },
  // ---- backups ----
  {
    id: 'backups.list',
    method: 'GET',
    url: '/backups',
    roles: SYSTEM,
    summary: 'Backups of the local configuration',
    async handler({ services: s }) {
      return ok(await s.backups.list());
    },
  },
  {
    id: 'backups.create',
    method: 'POST',
    url: '/backups',
    roles: SYSTEM,
    summary: 'Back up the local configuration now',
    async handler({ services: s }) {
      return ok(await s.backups.create(), 201);
    },
  },
  {
    id: 'backups.download',
    method: 'GET',
    url: '/backups/:name',
    roles: SYSTEM,
    summary: 'Download a backup',
    async handler({ services: s, params }) {
      return { status: 200, body: Buffer.from(await s.backups.read(params['name']!)), contentType: 'application/gzip' };
    },
  },
  {
    id: 'backups.upload',
    method: 'POST',
    url: '/backups/upload',
    roles: SYSTEM,
    upload: true,
    summary: 'Upload a backup (refused when corrupt or of another server)',
    async handler({ services: s, rawBody }) {
      if (rawBody === undefined || rawBody.length === 0) throw new AdminApiError('TONLE_ERR_ADMIN_VALIDATION', 400, 'send the backup file as an application/octet-stream body');
      return ok(await s.backups.upload(rawBody), 201);
    },
  },
  {
    id: 'backups.restore',
    method: 'PUT',
    url: '/backups/:name/restore',
    roles: SYSTEM,
    summary: 'Restore the local configuration from a backup',
    async handler({ services: s, params }) {
      return ok(await s.backups.restore(params['name']!));
    },
  },
  {
    id: 'backups.delete',
    method: 'DELETE',
    url: '/backups/:name',
    roles: SYSTEM,
    summary: 'Delete a backup',
    async handler({ services: s, params }) {
      await s.backups.remove(params['name']!);
      return ok();
    },
  },
  // ---- API keys ----
  {
    id: 'api-keys.list',
    method: 'GET',
    url: '/api-keys',
    roles: SYSTEM,
    summary: 'API keys (never the keys themselves)',
    async handler({ services: s }) {
      return ok(s.apiKeys.list());
    },
  },
  {
    id: 'api-keys.create',
    method: 'POST',
    url: '/api-keys',
    roles: SYSTEM,
    summary: 'Create an API key with roles; the key is shown once',
    body: obj({ name: str(), roles: { type: 'array', minItems: 1, maxItems: 5, uniqueItems: true, items: { enum: [...ROLES] } } }, ['name', 'roles']),
    auditFields: ['name'],
    async handler({ services: s, body }) {
      const { key, record } = await s.apiKeys.create({ name: body['name'] as string, roles: body['roles'] as Role[] });
      return ok({ ...record, key }, 201);
    },
  },
  {
    id: 'api-keys.revoke',
    method: 'DELETE',
    url: '/api-keys/:id',
    roles: SYSTEM,
    summary: 'Revoke an API key',
    async handler({ services: s, params }) {
      await s.apiKeys.revoke(params['id']!);
      return ok();
    },
  },
];

