import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CommandIo } from '../command.ts';
import { SANDBOX_INSTANCE, type SandboxLayout } from './layout.ts';
import { OperatorStepError, operate, tonleProcess } from './operator.ts';
import type { SetupSteps } from './steps.ts';
import type { ProcessSupervisor } from './supervisor.ts';
import { AGENCIES } from './trust-and-registry.ts';

type Role = keyof typeof AGENCIES;

/** Where one agency's security server keeps its state, and its ports. */
export interface SecurityServerSite {
  readonly role: Role;
  readonly dir: string;
  readonly configFile: string;
  readonly apiKeyFile: string;
  readonly messageLogDir: string;
  readonly clientProxyUrl: string;
  readonly adminUrl: string;
  readonly monitoringUrl: string;
  readonly serverProxyPort: number;
  /** `INSTANCE/CLASS/MEMBER/SERVERCODE` */
  readonly serverId: string;
  /** `INSTANCE/CLASS/MEMBER/SUBSYSTEM` */
  readonly client: string;
}

const local = (port: number): string => `http://127.0.0.1:${port}`;
const colon = (slashId: string): string => slashId.split('/').join(':');

/** The layout of one agency's security server in the sandbox. */
export function securityServerSite(layout: SandboxLayout, role: Role): SecurityServerSite {
  const agency = AGENCIES[role];
  const p = layout.ports;
  const ports =
    role === 'consumer'
      ? { client: p.consumerClientProxy, server: p.consumerServerProxy, admin: p.consumerAdmin, monitoring: p.consumerAdmin + 1 }
      : { client: p.providerClientProxy, server: p.providerServerProxy, admin: p.providerAdmin, monitoring: p.providerAdmin + 1 };
  const dir = join(layout.dir, `ss-${role}`);
  const member = `${SANDBOX_INSTANCE}/${agency.memberClass}/${agency.memberCode}`;
  return {
    role,
    dir,
    configFile: join(dir, 'ss.json'),
    apiKeyFile: join(dir, 'admin-api-key'),
    messageLogDir: join(dir, 'messagelog'),
    clientProxyUrl: local(ports.client),
    adminUrl: local(ports.admin),
    monitoringUrl: local(ports.monitoring),
    serverProxyPort: ports.server,
    serverId: `${member}/${agency.serverCode}`,
    client: `${member}/${agency.subsystem}`,
  };
}

/** The sample service as the provider publishes it. */
export function sampleService(layout: SandboxLayout): { id: string; url: string; samplePath: string } {
  const provider = AGENCIES.provider;
  return {
    id: `${SANDBOX_INSTANCE}/${provider.memberClass}/${provider.memberCode}/${provider.subsystem}/persons`,
    url: `${local(layout.ports.sampleService)}/persons`,
    samplePath: '/38001010014',
  };
}

/** Key algorithms the sandbox can give both servers' signing and authentication keys (the admin API's `spec`). */
export const SANDBOX_KEY_SPECS = ['P-256', 'RSA-3072'] as const;
export type SandboxKeySpec = (typeof SANDBOX_KEY_SPECS)[number];

/** How the sandbox runs its security servers; the defaults are what `npm start` does. */
export interface SecurityServerTuning {
  /** Algorithm of the keys created at first run (an existing instance keeps its keys). Default P-256. */
  readonly keySpec: SandboxKeySpec;
  /** The durable message log; when false the servers keep records in memory only (no evidence). Default true. */
  readonly messageLog: boolean;
  /**
   * Intervals of state sync, own OCSP refresh, global configuration polling and message log checkpoints.
   * `setup` (2 s, checkpoints 5 s) makes registrations and evidence show within seconds; `production`
   * (the servers' defaults, 60 s) is what benchmarks need: with 2 s every peer re-verifies a changed
   * stapled OCSP response every 2 s (docs/performance.md).
   */
  readonly intervals: 'setup' | 'production';
}

export const DEFAULT_TUNING: SecurityServerTuning = { keySpec: 'P-256', messageLog: true, intervals: 'setup' };

const PRODUCTION_INTERVAL_MS = 60_000;

/** Writes the server's configuration file; `intervals` is separate because the sandbox registers with `setup` first. */
export async function writeConfig(site: SecurityServerSite, layout: SandboxLayout, tuning: SecurityServerTuning, intervals: SecurityServerTuning['intervals']): Promise<void> {
  await mkdir(site.dir, { recursive: true });
  const pinFile = join(site.dir, 'token-pin');
  if (!existsSync(pinFile)) {
    // A development PIN, kept next to the server so the sandbox restarts unattended (X-Road's autologin).
    await writeFile(pinFile, `sandbox-${site.role}-pin\n`, { mode: 0o600 });
  }
  const production = intervals === 'production';
  const config = {
    serverId: site.serverId,
    clientProxy: { host: '127.0.0.1', port: Number(new URL(site.clientProxyUrl).port) },
    serverProxy: { host: '127.0.0.1', port: site.serverProxyPort },
    operations: { dataDir: 'data', pinFile: 'token-pin', syncIntervalMs: production ? PRODUCTION_INTERVAL_MS : 2_000 },
    admin: { host: '127.0.0.1', port: Number(new URL(site.adminUrl).port), apiKeyFile: 'admin-api-key' },
    monitoring: { host: '127.0.0.1', port: Number(new URL(site.monitoringUrl).port) },
    globalConf: { cacheFile: 'globalconf-cache.json', pollIntervalMs: production ? PRODUCTION_INTERVAL_MS : 2_000 },
    // Short checkpoints so a newcomer's first message can be exported as evidence within seconds.
    ...(tuning.messageLog ? { messageLog: { directory: 'messagelog', checkpointIntervalMs: production ? PRODUCTION_INTERVAL_MS : 5_000 } } : {}),
    serverConf: { file: 'serverconf.json' },
    // The configuration lists this machine's server proxies as 127.0.0.1:<port>; this is only the default.
    transport: { peerPort: layout.ports.providerServerProxy },
    log: { level: 'info' },
  };
  await writeFile(site.configFile, `${JSON.stringify(config, null, 2)}\n`);
}

/** A small admin API client: the calls an operator makes with curl. */
function adminClient(site: SecurityServerSite) {
  let key: string | undefined;
  return async function call(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Record<string, unknown>> {
    key ??= (await readFile(site.apiKeyFile, 'utf8')).trim();
    const response = await fetch(`${site.adminUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `X-Road-ApiKey token=${key}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new OperatorStepError(`${method} ${path} on ${site.role}'s admin API answered ${response.status}`, text);
    return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  };
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await sleep(500);
  }
  throw new OperatorStepError(`timed out waiting for ${what}`, '');
}

/** Starts a security server process in operations mode (admin API first, exchange once it has credentials). */
export async function startSecurityServer(site: SecurityServerSite, layout: SandboxLayout, supervisor: ProcessSupervisor, tuning: SecurityServerTuning): Promise<void> {
  await writeConfig(site, layout, tuning, 'setup');
  await supervisor.start(
    tonleProcess(`ss-${site.role}`, ['security-server', 'start', '--config', site.configFile], `${site.adminUrl}/api/v1/openapi.json`),
  );
}

/**
 * Brings one security server from nothing to registered, as an operator does through the admin API:
 * initialise from the anchor, keys, CSRs, certificates from the CA, activation, registration requests
 * approved in the central registry, the subsystem registered.
 */
export async function registerSecurityServer(site: SecurityServerSite, layout: SandboxLayout, steps: SetupSteps, io: CommandIo, keySpec: SandboxKeySpec): Promise<void> {
  const agency = AGENCIES[site.role];
  const call = adminClient(site);
  const member = `${SANDBOX_INSTANCE}/${agency.memberClass}/${agency.memberCode}`;
  const registry = ['--dir', layout.registryDir];
  const anchorFile = join(layout.dir, 'anchor.json');
  await steps.once('anchor', async () => {
    await operate(['registry', 'anchor', ...registry, '--out', anchorFile], io);
  });
  await steps.once(`${site.role}-initialize`, async () => {
    await call('POST', '/initialization', {
      anchor: await readFile(anchorFile, 'utf8'),
      ownerMemberClass: agency.memberClass,
      ownerMemberCode: agency.memberCode,
      serverCode: agency.serverCode,
      pin: (await readFile(join(site.dir, 'token-pin'), 'utf8')).trim(),
    });
  });
  const token = await call('GET', '/tokens/0');
  if (token['loggedIn'] !== true) {
    await call('PUT', '/tokens/0/login', { pin: (await readFile(join(site.dir, 'token-pin'), 'utf8')).trim() });
  }
  for (const usage of ['SIGN', 'AUTH'] as const) {
    await steps.once(`${site.role}-${usage.toLowerCase()}-certificate`, async () => {
      const key = await call('POST', '/keys', { usage, spec: keySpec, ...(usage === 'SIGN' ? { memberId: colon(member) } : {}) });
      const csr = await call('POST', `/keys/${String(key['id'])}/csrs`, {});
      const csrFile = join(site.dir, `${usage.toLowerCase()}.csr.pem`);
      const certFile = join(site.dir, `${usage.toLowerCase()}.cert.pem`);
      await writeFile(csrFile, String(csr['pem']));
      await operate(
        ['trust', 'issue', '--csr', csrFile, '--profile', usage === 'SIGN' ? 'sign' : 'auth', usage === 'SIGN' ? '--member' : '--server',
          usage === 'SIGN' ? member : site.serverId, '--dir', layout.trustDir, '--ca-url', local(layout.ports.ca), '--out', certFile],
        io,
      );
      const cert = await call('POST', '/certificates', await readFile(certFile, 'utf8'), 'application/x-pem-file');
      await call('PUT', `/certificates/${String(cert['hash'])}/activate`);
      if (usage === 'AUTH') {
        const request = await call('PUT', `/certificates/${String(cert['hash'])}/register`, { address: `127.0.0.1:${site.serverProxyPort}` });
        await operate(['registry', 'requests', 'approve', String(request['id']), ...registry], io);
      }
    });
  }
  await steps.once(`${site.role}-client`, async () => {
    // Information systems reach the sandbox's client proxy over plain HTTP on the loopback interface.
    await call('POST', '/clients', { id: colon(site.client), isAuthentication: 'NOSSL' });
    const request = await call('PUT', `/clients/${colon(site.client)}/register`);
    await operate(['registry', 'requests', 'approve', String(request['id']), ...registry], io);
  });
  await steps.once(`${site.role}-timestamping`, async () => {
    await call('POST', '/timestamping-services', { name: 'Sandbox TSA', url: `${local(layout.ports.tsa)}/` });
  });
}

/** Publishes the population register on the provider's server and grants the consumer's subsystem access. */
export async function publishSampleService(provider: SecurityServerSite, consumer: SecurityServerSite, layout: SandboxLayout, steps: SetupSteps): Promise<void> {
  const call = adminClient(provider);
  const service = sampleService(layout);
  await steps.once('provider-service', async () => {
    await call('POST', '/services', { id: colon(service.id), url: service.url, type: 'REST', timeoutSeconds: 30 });
    await call('POST', `/services/${colon(service.id)}/access-rights`, { subject: colon(consumer.client) });
  });
}

/**
 * Waits until the server's exchange is ready (readiness 200: configuration, token, credentials, log) and
 * its subsystem shows as REGISTERED, which it does once the global configuration lists it.
 */
export async function waitUntilReady(site: SecurityServerSite): Promise<void> {
  const call = adminClient(site);
  await waitFor(`${site.role}'s security server to be ready (${site.monitoringUrl}/health/ready)`, async () => {
    const response = await fetch(`${site.monitoringUrl}/health/ready`);
    await response.arrayBuffer();
    return response.ok;
  });
  // The exchange listeners start within a second of the credentials becoming usable.
  await waitFor(`${site.role}'s client proxy (${site.clientProxyUrl}/health)`, async () => {
    const response = await fetch(`${site.clientProxyUrl}/health`);
    await response.arrayBuffer();
    return response.ok;
  });
  await waitFor(`${site.client} to show as registered on ${site.serverId}`, async () => {
    const clients = (await call('GET', '/clients')) as unknown as readonly { id: string; status: string }[];
    return clients.some((c) => c.id === colon(site.client) && c.status === 'REGISTERED');
  });
}
