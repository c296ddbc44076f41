import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { FastifyBaseLogger } from 'fastify';
import type { ClientRef, GlobalConfAlgorithm } from '@tonle/protocol';
import { certificateProfileByName } from '@tonle/pki';
import { ROLES, findApiKey, generateApiKey, parseApiKeyHeader } from '../api-keys/index.ts';
import { readCaCertificate, readCertificate, base64Of } from '../certificates/index.ts';
import { RegistryError } from '../errors/index.ts';
import type { Actor, Registry } from '../registry/index.ts';
import {
  activateNextSigningKey,
  addApiKey,
  addApprovedCa,
  addApprovedTsa,
  addGlobalGroup,
  addGlobalGroupMember,
  addMember,
  addMemberClass,
  addSubsystem,
  announceSigningKey,
  decide,
  deleteApprovedCa,
  deleteApprovedTsa,
  deleteMember,
  revokeApiKey,
  updateSettings,
  type ApiKeyRecord,
  type RegistryState,
  type Role,
} from '../state/index.ts';
import { installErrorHandling, strictAjv } from './errors.ts';

const ANY_ROLE: readonly Role[] = ROLES;

type Schema = Record<string, unknown>;
const str = (max = 255): Schema => ({ type: 'string', minLength: 1, maxLength: max });
const text = (max = 1024): Schema => ({ type: 'string', maxLength: max });
const obj = (properties: Record<string, Schema>, required: readonly string[] = Object.keys(properties)): Schema => ({
  type: 'object',
  additionalProperties: false,
  properties,
  required,
});
const clientSchema = obj({ memberClass: str(), memberCode: str(), subsystemCode: str() }, ['memberClass', 'memberCode']);

interface Route {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly url: string;
  readonly summary: string;
  readonly roles: readonly Role[];
  readonly body?: Schema;
  readonly status?: number;
  handler(ctx: { registry: Registry; actor: Actor; request: FastifyRequest; reply: FastifyReply; params: Record<string, string> }): Promise<unknown>;
}

// Views never expose private signing keys or API key hashes.
const publicState = (s: RegistryState) => ({
  instanceIdentifier: s.instanceIdentifier,
  configurationUrls: s.configurationUrls,
});
const apiKeyView = (k: ApiKeyRecord) => ({ id: k.id, name: k.name, roles: k.roles, createdAt: k.createdAt });
const signingKeyViews = (s: RegistryState) => s.signingKeys.map((k) => ({ kid: k.kid, alg: k.alg, status: k.status, createdAt: k.createdAt, publicKey: k.publicKey }));

function memberParam(params: Record<string, string>): { memberClass: string; memberCode: string } {
  return { memberClass: params['memberClass'] ?? '', memberCode: params['memberCode'] ?? '' };
}

function clientOf(body: unknown): ClientRef {
  const b = body as { memberClass: string; memberCode: string; subsystemCode?: string };
  return b.subsystemCode === undefined ? { memberClass: b.memberClass, memberCode: b.memberCode } : { memberClass: b.memberClass, memberCode: b.memberCode, subsystemCode: b.subsystemCode };
}

const at = (registry: Registry): string => new Date(registry.clock.now()).toISOString();

/** The admin API's routes (xroad-digest §8.3), the single source for both the server and its OpenAPI document. */
export const adminRoutes: readonly Route[] = [
  {
    method: 'GET',
    url: '/api/v1/system/status',
    summary: 'Instance, configuration URLs and the published configuration version',
    roles: ANY_ROLE,
    async handler({ registry }) {
      const [state, published] = await Promise.all([registry.state(), registry.published()]);
      return {
        ...publicState(state),
        configuration: published === undefined ? null : { version: published.version, generatedAt: new Date(published.generatedAtMs).toISOString(), expiresAt: new Date(published.expiresAtMs).toISOString() },
      };
    },
  },
  {
    method: 'GET',
    url: '/api/v1/member-classes',
    summary: 'List member classes',
    roles: ANY_ROLE,
    handler: async ({ registry }) => (await registry.state()).memberClasses,
  },
  {
    method: 'POST',
    url: '/api/v1/member-classes',
    summary: 'Add a member class',
    roles: ['system-administrator'],
    body: obj({ code: str(), description: text() }),
    status: 201,
    async handler({ registry, actor, request }) {
      const input = request.body as { code: string; description: string };
      await registry.change(actor, 'member-class.add', input.code, (s) => addMemberClass(s, input));
      return input;
    },
  },
  {
    method: 'GET',
    url: '/api/v1/members',
    summary: 'List members and their subsystems',
    roles: ANY_ROLE,
    handler: async ({ registry }) => (await registry.state()).members,
  },
  {
    method: 'POST',
    url: '/api/v1/members',
    summary: 'Add a member',
    roles: ['registration-officer'],
    body: obj({ memberClass: str(), memberCode: str(), name: str() }),
    status: 201,
    async handler({ registry, actor, request }) {
      const input = request.body as { memberClass: string; memberCode: string; name: string };
      const next = await registry.change(actor, 'member.add', `${input.memberClass}/${input.memberCode}`, (s) => addMember(s, input));
      return next.members.find((m) => m.memberClass === input.memberClass && m.memberCode === input.memberCode);
    },
  },
  {
    method: 'DELETE',
    url: '/api/v1/members/:memberClass/:memberCode',
    summary: 'Delete a member that owns no server and is no server client',
    roles: ['registration-officer'],
    status: 204,
    async handler({ registry, actor, params }) {
      const member = memberParam(params);
      await registry.change(actor, 'member.delete', `${member.memberClass}/${member.memberCode}`, (s) => deleteMember(s, member));
      return undefined;
    },
  },
  {
    method: 'POST',
    url: '/api/v1/members/:memberClass/:memberCode/subsystems',
    summary: 'Add a subsystem to a member',
    roles: ['registration-officer'],
    body: obj({ subsystemCode: str() }),
    status: 201,
    async handler({ registry, actor, request, params }) {
      const member = memberParam(params);
      const { subsystemCode } = request.body as { subsystemCode: string };
      await registry.change(actor, 'subsystem.add', `${member.memberClass}/${member.memberCode}/${subsystemCode}`, (s) => addSubsystem(s, member, subsystemCode));
      return { ...member, subsystemCode };
    },
  },
  {
    method: 'GET',
    url: '/api/v1/security-servers',
    summary: 'List security servers',
    roles: ANY_ROLE,
    handler: async ({ registry }) => (await registry.state()).securityServers,
  },
  {
    method: 'GET',
    url: '/api/v1/management-requests',
    summary: 'List management requests (newest last)',
    roles: ANY_ROLE,
    handler: async ({ registry }) => (await registry.state()).managementRequests,
  },
  {
    method: 'POST',
    url: '/api/v1/management-requests/:id/approval',
    summary: 'Approve a pending management request; its effect is in the next configuration',
    roles: ['registration-officer'],
    async handler({ registry, actor, params }) {
      const id = params['id'] ?? '';
      const next = await registry.change(actor, 'management-request.approve', id, (s) => decide(s, id, 'approved', actor.id, at(registry)));
      return next.managementRequests.find((r) => r.id === id);
    },
  },
  {
    method: 'POST',
    url: '/api/v1/management-requests/:id/rejection',
    summary: 'Reject a pending management request',
    roles: ['registration-officer'],
    async handler({ registry, actor, params }) {
      const id = params['id'] ?? '';
      const next = await registry.change(actor, 'management-request.reject', id, (s) => decide(s, id, 'rejected', actor.id, at(registry)));
      return next.managementRequests.find((r) => r.id === id);
    },
  },
  {
    method: 'GET',
    url: '/api/v1/certification-services',
    summary: 'List approved certification authorities',
    roles: ANY_ROLE,
    handler: async ({ registry }) => (await registry.state()).approvedCas,
  },
  {
    method: 'POST',
    url: '/api/v1/certification-services',
    summary: 'Approve a certification authority (certificates as PEM or base64 DER)',
    roles: ['security-officer'],
    body: obj(
      {
        name: str(),
        authOnly: { type: 'boolean' },
        certificateProfile: str(),
        topCertificate: str(16384),
        intermediateCertificates: { type: 'array', maxItems: 8, items: str(16384) },
        ocspResponders: { type: 'array', maxItems: 8, items: obj({ url: str(2048), certificate: str(16384) }, ['url']) },
      },
      ['name', 'certificateProfile', 'topCertificate'],
    ),
    status: 201,
    async handler({ registry, actor, request }) {
      const b = request.body as {
        name: string;
        authOnly?: boolean;
        certificateProfile: string;
        topCertificate: string;
        intermediateCertificates?: string[];
        ocspResponders?: { url: string; certificate?: string }[];
      };
      try {
        certificateProfileByName(b.certificateProfile);
      } catch {
        throw new RegistryError('TONLE_ERR_REGISTRY_VALIDATION', `Unknown certificate profile ${b.certificateProfile}; use "ejbca".`);
      }
      const entry = {
        name: b.name,
        authOnly: b.authOnly ?? false,
        certificateProfile: b.certificateProfile,
        topCertificate: readCaCertificate(b.topCertificate, 'topCertificate'),
        intermediateCertificates: (b.intermediateCertificates ?? []).map((c, i) => readCaCertificate(c, `intermediateCertificates[${i}]`)),
        ocspResponders: (b.ocspResponders ?? []).map((r, i) => ({
          url: checkUrl(r.url, `ocspResponders[${i}].url`),
          ...(r.certificate === undefined ? {} : { certificate: base64Of(readCertificate(r.certificate, `ocspResponders[${i}].certificate`)) }),
        })),
      };
      await registry.change(actor, 'certification-service.add', b.name, (s) => addApprovedCa(s, entry));
      return entry;
    },
  },
  {
    method: 'DELETE',
    url: '/api/v1/certification-services/:name',
    summary: 'Withdraw the approval of a certification authority',
    roles: ['security-officer'],
    status: 204,
    async handler({ registry, actor, params }) {
      const name = params['name'] ?? '';
      await registry.change(actor, 'certification-service.delete', name, (s) => deleteApprovedCa(s, name));
      return undefined;
    },
  },
  {
    method: 'GET',
    url: '/api/v1/timestamping-services',
    summary: 'List approved time-stamping authorities',
    roles: ANY_ROLE,
    handler: async ({ registry }) => (await registry.state()).approvedTsas,
  },
  {
    method: 'POST',
    url: '/api/v1/timestamping-services',
    summary: 'Approve a time-stamping authority',
    roles: ['security-officer'],
    body: obj({ name: str(), url: str(2048), certificate: str(16384) }),
    status: 201,
    async handler({ registry, actor, request }) {
      const b = request.body as { name: string; url: string; certificate: string };
      const entry = { name: b.name, url: checkUrl(b.url, 'url'), certificate: base64Of(readCertificate(b.certificate, 'certificate')) };
      await registry.change(actor, 'timestamping-service.add', b.name, (s) => addApprovedTsa(s, entry));
      return entry;
    },
  },
  {
    method: 'DELETE',
    url: '/api/v1/timestamping-services/:name',
    summary: 'Withdraw the approval of a time-stamping authority',
    roles: ['security-officer'],
    status: 204,
    async handler({ registry, actor, params }) {
      const name = params['name'] ?? '';
      await registry.change(actor, 'timestamping-service.delete', name, (s) => deleteApprovedTsa(s, name));
      return undefined;
    },
  },
  {
    method: 'GET',
    url: '/api/v1/global-groups',
    summary: 'List global groups (security-server-owners is in the configuration, derived from servers)',
    roles: ANY_ROLE,
    handler: async ({ registry }) => (await registry.state()).globalGroups,
  },
  {
    method: 'POST',
    url: '/api/v1/global-groups',
    summary: 'Add a global group',
    roles: ['registration-officer'],
    body: obj({ groupCode: str(), description: text() }),
    status: 201,
    async handler({ registry, actor, request }) {
      const input = request.body as { groupCode: string; description: string };
      await registry.change(actor, 'global-group.add', input.groupCode, (s) => addGlobalGroup(s, input));
      return { ...input, members: [] };
    },
  },
  {
    method: 'POST',
    url: '/api/v1/global-groups/:groupCode/members',
    summary: 'Add a member or subsystem to a global group',
    roles: ['registration-officer'],
    body: clientSchema,
    status: 201,
    async handler({ registry, actor, request, params }) {
      const groupCode = params['groupCode'] ?? '';
      const client = clientOf(request.body);
      await registry.change(actor, 'global-group.member.add', groupCode, (s) => addGlobalGroupMember(s, groupCode, client));
      return client;
    },
  },
  {
    method: 'GET',
    url: '/api/v1/settings',
    summary: 'Global settings and registry policy',
    roles: ANY_ROLE,
    handler: async ({ registry }) => (await registry.state()).settings,
  },
  {
    method: 'PATCH',
    url: '/api/v1/settings',
    summary: 'Change global settings, configuration validity, request age window and auto-approval',
    roles: ['system-administrator'],
    body: obj(
      {
        ocspFreshnessSeconds: { type: 'integer', minimum: 60, maximum: 604800 },
        timestampingIntervalSeconds: { type: 'integer', minimum: 1, maximum: 86400 },
        configurationValiditySeconds: { type: 'integer', minimum: 120, maximum: 604800 },
        requestMaxAgeSeconds: { type: 'integer', minimum: 30, maximum: 86400 },
        autoApprove: obj({ authCertReg: { type: 'boolean' }, clientReg: { type: 'boolean' } }, []),
      },
      [],
    ),
    async handler({ registry, actor, request }) {
      const patch = request.body as Parameters<typeof updateSettings>[1];
      return (await registry.change(actor, 'settings.update', undefined, (s) => updateSettings(s, patch))).settings;
    },
  },
  {
    method: 'GET',
    url: '/api/v1/configuration-anchor',
    summary: 'The configuration anchor file to give to security servers out of band',
    roles: ANY_ROLE,
    async handler({ registry, reply }) {
      const anchor = await registry.anchor();
      void reply.header('content-disposition', `attachment; filename="${anchor.instanceIdentifier}-anchor.json"`);
      return anchor;
    },
  },
  {
    method: 'GET',
    url: '/api/v1/signing-keys',
    summary: 'Configuration signing keys (public halves) and their status',
    roles: ANY_ROLE,
    handler: async ({ registry }) => signingKeyViews(await registry.state()),
  },
  {
    method: 'POST',
    url: '/api/v1/signing-keys',
    summary: 'Generate and announce the next configuration signing key',
    roles: ['security-officer'],
    body: obj({ alg: { type: 'string', enum: ['ES256', 'ES384', 'EdDSA', 'PS256', 'RS256'] } }, []),
    status: 201,
    async handler({ registry, actor, request }) {
      const alg = (request.body as { alg?: GlobalConfAlgorithm } | undefined)?.alg ?? 'ES256';
      const key = await registry.newSigningKey(alg);
      const next = await registry.change(actor, 'signing-key.announce', key.kid, (s) => announceSigningKey(s, key));
      return signingKeyViews(next).find((k) => k.kid === key.kid);
    },
  },
  {
    method: 'POST',
    url: '/api/v1/signing-keys/activate-next',
    summary: 'Sign with the announced next key from now on and retire the current one',
    roles: ['security-officer'],
    async handler({ registry, actor }) {
      return signingKeyViews(await registry.change(actor, 'signing-key.activate', undefined, activateNextSigningKey));
    },
  },
  {
    method: 'GET',
    url: '/api/v1/api-keys',
    summary: 'List API keys (never the keys themselves)',
    roles: ['system-administrator'],
    handler: async ({ registry }) => (await registry.state()).apiKeys.map(apiKeyView),
  },
  {
    method: 'POST',
    url: '/api/v1/api-keys',
    summary: 'Create an API key; the key is in this response only',
    roles: ['system-administrator'],
    body: obj({ name: str(), roles: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', enum: [...ROLES] } } }),
    status: 201,
    async handler({ registry, actor, request }) {
      const b = request.body as { name: string; roles: Role[] };
      const { key, record } = generateApiKey({ name: b.name, roles: b.roles, now: registry.clock.now() });
      await registry.change(actor, 'api-key.create', record.id, (s) => addApiKey(s, record));
      return { ...apiKeyView(record), key };
    },
  },
  {
    method: 'DELETE',
    url: '/api/v1/api-keys/:id',
    summary: 'Revoke an API key',
    roles: ['system-administrator'],
    status: 204,
    async handler({ registry, actor, params }) {
      const id = params['id'] ?? '';
      await registry.change(actor, 'api-key.revoke', id, (s) => revokeApiKey(s, id));
      return undefined;
    },
  },
];

function checkUrl(value: string, what: string): string {
  if (!/^https?:\/\/[^\s/?#@]+(?:[/?#][^\s]*)?$/.test(value)) throw new RegistryError('TONLE_ERR_REGISTRY_VALIDATION', `${what} must be an absolute http(s) URL.`);
  return value;
}

/** The OpenAPI 3.1 document of the admin API, generated from {@link adminRoutes}. */
export function adminOpenApi(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of adminRoutes) {
    const path = route.url.replace(/:([A-Za-z]+)/g, '{$1}');
    const params = [...route.url.matchAll(/:([A-Za-z]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = {
      summary: route.summary,
      'x-roles': route.roles,
      security: [{ apiKey: [] }],
      ...(params.length > 0 ? { parameters: params } : {}),
      ...(route.body === undefined ? {} : { requestBody: { required: true, content: { 'application/json': { schema: route.body } } } }),
      responses: {
        [String(route.status ?? 200)]: { description: 'success' },
        '400': { $ref: '#/components/responses/Error' },
        '401': { $ref: '#/components/responses/Error' },
        '403': { $ref: '#/components/responses/Error' },
        '404': { $ref: '#/components/responses/Error' },
        '409': { $ref: '#/components/responses/Error' },
        '413': { $ref: '#/components/responses/Error' },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Tonle central registry admin API', version: '1' },
    paths,
    components: {
      securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'X-Road-ApiKey token=<key>' } },
      responses: {
        Error: {
          description: 'A refusal with a stable code',
          content: { 'application/json': { schema: obj({ code: { type: 'string' }, message: { type: 'string' }, details: { type: 'array', items: { type: 'string' } } }, ['code', 'message']) } },
        },
      },
    },
  };
}

/** Options of {@link createAdminApi}. */
export interface AdminApiOptions {
  readonly registry: Registry;
  /** A pino logger (child per listener); requests are logged without headers or bodies. */
  readonly logger?: FastifyBaseLogger;
  /** Largest accepted body (default 64 KiB; X-Road: 50 KB). */
  readonly bodyLimit?: number;
}

/**
 * The admin listener (xroad-digest §8.3): API keys with roles in `Authorization: X-Road-ApiKey token=<key>`,
 * JSON-schema-checked bodies, every change audited by the registry.
 */
export function createAdminApi(options: AdminApiOptions): FastifyInstance {
  const { registry } = options;
  const app = Fastify({
    ...(options.logger === undefined ? { logger: false } : { loggerInstance: options.logger.child({ listener: 'admin' }) }),
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    ajv: strictAjv,
  });
  installErrorHandling(app);
  const openapi = adminOpenApi();
  app.get('/api/v1/openapi.json', async () => openapi);

  for (const route of adminRoutes) {
    app.route({
      method: route.method,
      url: route.url,
      ...(route.body === undefined ? {} : { schema: { body: route.body } }),
      preValidation: async (request) => {
        const presented = parseApiKeyHeader(request.headers.authorization);
        if (presented === undefined) {
          throw new RegistryError('TONLE_ERR_REGISTRY_UNAUTHENTICATED', 'Send `Authorization: X-Road-ApiKey token=<key>`.');
        }
        const state = await registry.state();
        const key = findApiKey(state.apiKeys, presented);
        if (key === undefined) throw new RegistryError('TONLE_ERR_REGISTRY_UNAUTHENTICATED', 'The API key is not valid (revoked or mistyped).');
        if (!key.roles.some((r) => route.roles.includes(r))) {
          throw new RegistryError('TONLE_ERR_REGISTRY_FORBIDDEN', `This call needs one of the roles ${route.roles.join(', ')}.`);
        }
        (request as FastifyRequest & { actor?: Actor }).actor = { id: `api-key:${key.id}` };
      },
      handler: async (request, reply) => {
        const actor = (request as FastifyRequest & { actor?: Actor }).actor;
        if (actor === undefined) throw new RegistryError('TONLE_ERR_REGISTRY_UNAUTHENTICATED', 'Not authenticated.');
        const result = await route.handler({ registry, actor, request, reply, params: request.params as Record<string, string> });
        void reply.status(route.status ?? 200);
        if (result === undefined) return reply.send();
        return result;
      },
    });
  }
  return app;
}
