import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { formatSecurityServerId, securityServerId } from '@tonle/protocol';
import {
  createAdminApp,
  createBackupService,
  createFileAnchorStore,
  createFileApiKeyStore,
  createFileAuditLog,
  createFileLocalSettings,
  ROLES,
  type AdminServices,
  type Role,
} from '../../src/admin-api/index.ts';
import { createKeyManager, type CertificateStatusChecker, type OcspStatus } from '../../src/keys/index.ts';
import { createRegistrationClient, type ManagementEnvelope } from '../../src/registration/index.ts';
import { createFileServerConfStore, createServerConf } from '../../src/server-conf/index.ts';
import { createSoftwareToken } from '../../src/token/index.ts';
import type { GlobalConfStatus } from '../../src/global-conf/index.ts';
import { createOperationalMonitoringStore } from '../../src/opmonitoring/index.ts';

export function anchorText(instance = 'EE'): string {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' }) as { kty: 'EC'; crv: string; x: string; y: string };
  return JSON.stringify({
    format: 'tonle-configuration-anchor/1',
    instanceIdentifier: instance,
    generatedAt: '2027-01-15T08:00:00.000Z',
    sources: [{ address: 'http://127.0.0.1:9/globalconf', verificationKeys: [{ kid: 'k1', alg: 'ES256', publicKey: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } }] }],
  });
}

export interface AdminFixture {
  readonly dir: string;
  readonly app: FastifyInstance;
  readonly services: AdminServices;
  /** API keys by role, plus `all` with every role. */
  readonly keysByRole: Readonly<Record<Role | 'ALL', string>>;
  readonly ocspVerdicts: Map<string, OcspStatus>;
  readonly received: ManagementEnvelope[];
  readonly clock: { now(): number; advance(ms: number): void };
  globalConfStatus: GlobalConfStatus;
  close(): Promise<void>;
}

export interface AdminFixtureOptions {
  readonly rateLimit?: { perSecond: number; perMinute: number };
  readonly bodyLimit?: number;
  readonly startAt?: number;
  readonly ocsp?: CertificateStatusChecker;
  readonly ocspResponse?: (certificate: Uint8Array) => Promise<Uint8Array>;
  /** A real registry's management endpoint instead of the capturing stub. */
  readonly managementUrl?: string;
  readonly instance?: string;
}

export async function createAdminFixture(options: AdminFixtureOptions = {}): Promise<AdminFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'tonle-admin-'));
  let now = options.startAt ?? Date.parse('2027-01-15T10:00:00.000Z');
  const clock = { now: () => now, advance: (ms: number) => void (now += ms) };
  const ocspVerdicts = new Map<string, OcspStatus>();
  const token = await createSoftwareToken({ directory: join(dir, 'token'), clock });
  const keys = await createKeyManager({
    token,
    path: join(dir, 'keys.json'),
    clock,
    instance: options.instance ?? 'EE',
    ocsp: options.ocsp ?? { check: async (der) => ({ status: ocspVerdicts.get(createHash('sha256').update(der).digest('hex')) ?? 'unknown' }) },
  });
  const serverConf = createServerConf({ store: createFileServerConfStore({ path: join(dir, 'serverconf.json') }) });
  await serverConf.reload().catch(() => undefined);
  const serverIdOf = () => {
    const st = serverConf.current().state;
    return securityServerId(st.owner.instance, st.owner.memberClass, st.owner.memberCode, st.serverCode);
  };

  const received: ManagementEnvelope[] = [];
  const registry = Fastify();
  registry.post('/managementservice', async (request, reply) => {
    const envelope = request.body as ManagementEnvelope;
    received.push(envelope);
    const payload = JSON.parse(Buffer.from(envelope.request.split('.')[1]!, 'base64url').toString('utf8')) as { requestId: string; type: string };
    return reply.status(202).send({ id: `r-${received.length}`, requestId: payload.requestId, type: payload.type, status: 'pending' });
  });
  const registryAddress = await registry.listen({ port: 0, host: '127.0.0.1' });

  const registration = createRegistrationClient({
    keys,
    token,
    serverConf,
    clock,
    server: serverIdOf,
    managementUrl: () => options.managementUrl ?? `${registryAddress}/managementservice`,
    ocspResponse: options.ocspResponse ?? (async () => new Uint8Array([0x30, 0x00])),
  });
  const apiKeys = await createFileApiKeyStore({ path: join(dir, 'api-keys.json'), clock });
  const audit = await createFileAuditLog({ path: join(dir, 'audit.jsonl') });
  const settings = await createFileLocalSettings({ path: join(dir, 'settings.json') });
  const anchor = await createFileAnchorStore({ path: join(dir, 'anchor.json') });
  const backups = createBackupService({
    directory: join(dir, 'backups'),
    sources: { serverconf: join(dir, 'serverconf.json'), keys: join(dir, 'keys.json'), token: join(dir, 'token'), settings: join(dir, 'settings.json'), anchor: join(dir, 'anchor.json') },
    server: () => formatSecurityServerId(serverIdOf()),
    clock,
    onRestored: async () => {
      await serverConf.reload();
    },
  });
  const fixture: AdminFixture = {
    dir,
    app: undefined as unknown as FastifyInstance,
    services: undefined as unknown as AdminServices,
    keysByRole: {} as Record<Role | 'ALL', string>,
    ocspVerdicts,
    received,
    clock,
    globalConfStatus: { state: 'valid', consecutiveFailures: 0, version: 7, expiresAtMs: now + 600_000, lastSuccessAtMs: now - 30_000 },
    async close() {
      await fixture.app.close();
      await registry.close();
      await audit.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  const opMonitoring = await createOperationalMonitoringStore({ directory: join(dir, 'opmonitoring'), clock });
  const services: AdminServices = {
    clock,
    opMonitoring,
    token,
    keys,
    serverConf,
    registration,
    apiKeys,
    audit,
    settings,
    backups,
    anchor,
    diagnostics: {
      globalConf: () => fixture.globalConfStatus,
      timestamping: async () => settings.timestampingServices().map((t) => ({ name: t.name, url: t.url, status: 'unknown' as const })),
    },
  };
  const keysByRole: Record<string, string> = {};
  for (const role of ROLES) keysByRole[role] = (await apiKeys.create({ name: role, roles: [role] })).key;
  keysByRole['ALL'] = (await apiKeys.create({ name: 'all', roles: [...ROLES] })).key;
  Object.assign(fixture, {
    services,
    keysByRole,
    app: createAdminApp({ services, rateLimit: options.rateLimit ?? { perSecond: 100_000, perMinute: 1_000_000 }, ...(options.bodyLimit === undefined ? {} : { bodyLimit: options.bodyLimit }) }),
  });
  return fixture;
}

export const auth = (key: string) => ({ authorization: `X-Road-ApiKey token=${key}` });
