import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  createRegistryLogger,
  initializeRegistry,
  isRegistryError,
  loadRegistryConfig,
  openStore,
  parseRegistryConfig,
  readSigningKeyPin,
  startRegistryNode,
  type RegistryNodeConfig,
} from '@tonle/central-registry';
import { formatConfigurationAnchor, systemClock, type ConfigurationAnchor } from '@tonle/protocol';
import type { Command, CommandIo } from '../command.ts';

const USAGE = `Usage: tonle registry <subcommand> [options]

Runs and administers the central registry (docs/central-registry.md).

  init    --dir D --instance I [--public-url http://host:4001] [--admin-port 4000] [--public-port 4001]
          [--host 127.0.0.1] [--redis redis://...] [--pin-file FILE]
          Creates D/registry.json, the store and D/admin-api-key (mode 0600). With --pin-file the
          configuration signing keys are stored encrypted with the PIN in FILE (every node needs it).
  start   --dir D | --config FILE [--log-level info]   Runs one registry node until SIGINT/SIGTERM;
          JSON logs on stderr (level also from TONLE_LOG_LEVEL).
  anchor  [--out FILE]                 Writes the configuration anchor (default: stdout).
  status
  members list | members add --class C --code M --name N
  subsystems add --class C --code M --subsystem S
  requests list | requests approve ID | requests reject ID
  cas list | cas add --name N --cert FILE [--intermediate FILE]... [--ocsp-url URL [--ocsp-cert FILE]] [--profile ejbca] [--auth-only]
  tsas list | tsas add --name N --url URL --cert FILE
  keys list | keys announce [--alg ES256|ES384|EdDSA|PS256|RS256] | keys activate
  settings get | settings set [--auto-approve-auth-cert-reg true|false] [--auto-approve-client-reg true|false]
          [--configuration-validity-seconds N] [--ocsp-freshness-seconds N]

Admin calls find the API at D/registry.json and the key in D/admin-api-key (--dir, default: ./registry),
or use --admin-url URL --api-key-file FILE.`;

const OPTIONS = {
  dir: { type: 'string' },
  config: { type: 'string' },
  instance: { type: 'string' },
  'public-url': { type: 'string' },
  'admin-port': { type: 'string' },
  'public-port': { type: 'string' },
  host: { type: 'string' },
  redis: { type: 'string' },
  out: { type: 'string' },
  url: { type: 'string' },
  'admin-url': { type: 'string' },
  'api-key-file': { type: 'string' },
  class: { type: 'string' },
  code: { type: 'string' },
  name: { type: 'string' },
  subsystem: { type: 'string' },
  cert: { type: 'string' },
  intermediate: { type: 'string', multiple: true },
  'ocsp-url': { type: 'string' },
  'ocsp-cert': { type: 'string' },
  profile: { type: 'string' },
  'auth-only': { type: 'boolean' },
  alg: { type: 'string' },
  'log-level': { type: 'string' },
  'pin-file': { type: 'string' },
  'auto-approve-auth-cert-reg': { type: 'string' },
  'auto-approve-client-reg': { type: 'string' },
  'configuration-validity-seconds': { type: 'string' },
  'ocsp-freshness-seconds': { type: 'string' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

class UsageError extends Error {}

function need(values: Values, name: keyof Values): string {
  const value = values[name];
  if (typeof value !== 'string' || value.length === 0) throw new UsageError(`--${String(name)} is required`);
  return value;
}

function port(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`not a port: ${text}`);
  return n;
}

function bool(text: string | undefined): boolean | undefined {
  if (text === undefined) return undefined;
  if (text !== 'true' && text !== 'false') throw new UsageError(`expected true or false, got ${text}`);
  return text === 'true';
}

function int(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n)) throw new UsageError(`expected an integer, got ${text}`);
  return n;
}

async function init(values: Values, io: CommandIo): Promise<number> {
  const dir = resolve(io.cwd, values.dir ?? 'registry');
  const instance = need(values, 'instance');
  const host = values.host ?? '127.0.0.1';
  const adminPort = port(values['admin-port'], 4000);
  const publicPort = port(values['public-port'], 4001);
  const publicUrl = (values['public-url'] ?? `http://${host}:${publicPort}`).replace(/\/+$/, '');
  const raw = {
    store: values.redis === undefined ? { type: 'file', dir: './data' } : { type: 'redis', url: values.redis },
    admin: { host, port: adminPort },
    public: { host, port: publicPort },
    auditLog: './audit.jsonl',
    regenerateIntervalSeconds: 60,
    ...(values['pin-file'] === undefined ? {} : { signingKeyPinFile: resolve(io.cwd, values['pin-file']) }),
  };
  const config = parseRegistryConfig(raw, dir);
  const signingKeyPin = await readSigningKeyPin(config);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const store = await openStore(config.store);
  try {
    const { apiKey } = await initializeRegistry({
      store,
      clock: systemClock,
      instanceIdentifier: instance,
      configurationUrls: [`${publicUrl}/globalconf`],
      ...(signingKeyPin === undefined ? {} : { signingKeyPin }),
    });
    await writeFile(join(dir, 'registry.json'), `${JSON.stringify(raw, null, 2)}\n`, { mode: 0o600 });
    const keyFile = join(dir, 'admin-api-key');
    await writeFile(keyFile, `${apiKey}\n`, { mode: 0o600 });
    await chmod(keyFile, 0o600);
  } finally {
    await store.close();
  }
  io.out(
    [
      `Initialised registry for instance ${instance} in ${dir}.`,
      `  config:        ${join(dir, 'registry.json')}`,
      `  admin API key: ${join(dir, 'admin-api-key')} (system administrator; keep it secret)`,
      `Start it with:   npm run tonle -- registry start --dir ${dir}`,
      `Then export the anchor for security servers: npm run tonle -- registry anchor --dir ${dir} --out anchor.json`,
      '',
    ].join('\n'),
  );
  return 0;
}

async function configOf(values: Values, io: CommandIo): Promise<RegistryNodeConfig> {
  const path = values.config !== undefined ? resolve(io.cwd, values.config) : join(resolve(io.cwd, values.dir ?? 'registry'), 'registry.json');
  return loadRegistryConfig(path);
}

async function start(values: Values, io: CommandIo): Promise<number> {
  const logger = createRegistryLogger({ level: values['log-level'] ?? io.env['TONLE_LOG_LEVEL'] ?? 'info' });
  const node = await startRegistryNode({ config: await configOf(values, io), clock: systemClock, logger });
  io.out(`Registry running. Admin API ${node.adminUrl}/api/v1, configuration ${node.publicUrl}/globalconf\n`);
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await node.close();
  return 0;
}

/** A small client of the admin API for the subcommands below. */
async function adminClient(values: Values, io: CommandIo) {
  let base = values['admin-url'];
  let keyFile = values['api-key-file'];
  if (base === undefined || keyFile === undefined) {
    const dir = resolve(io.cwd, values.dir ?? 'registry');
    const config = await configOf({ ...values, dir }, io);
    base ??= `http://${config.admin.host === '0.0.0.0' ? '127.0.0.1' : config.admin.host}:${config.admin.port}`;
    keyFile ??= join(dir, 'admin-api-key');
  }
  const key = (await readFile(resolve(io.cwd, keyFile), 'utf8')).trim();
  return async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: { authorization: `X-Road-ApiKey token=${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const parsed: unknown = text.length === 0 ? undefined : JSON.parse(text);
    if (!response.ok) {
      const e = parsed as { code?: string; message?: string; details?: string[] } | undefined;
      throw new Error(`${response.status} ${e?.code ?? ''}: ${e?.message ?? text}${e?.details === undefined ? '' : `\n  ${e.details.join('\n  ')}`}`);
    }
    return parsed;
  };
}

async function admin(sub: string, positionals: readonly string[], values: Values, io: CommandIo): Promise<number> {
  const call = await adminClient(values, io);
  const print = (value: unknown): number => {
    io.out(`${JSON.stringify(value, null, 2)}\n`);
    return 0;
  };
  const action = positionals[1];
  const file = async (name: keyof Values): Promise<string> => readFile(resolve(io.cwd, need(values, name)), 'utf8');
  switch (`${sub} ${action ?? ''}`.trim()) {
    case 'status':
      return print(await call('GET', '/system/status'));
    case 'anchor': {
      const anchor = (await call('GET', '/configuration-anchor')) as ConfigurationAnchor;
      if (values.out === undefined) io.out(formatConfigurationAnchor(anchor));
      else {
        await writeFile(resolve(io.cwd, values.out), formatConfigurationAnchor(anchor));
        io.out(`Wrote the configuration anchor of ${anchor.instanceIdentifier} to ${values.out}.\n`);
      }
      return 0;
    }
    case 'members list':
      return print(await call('GET', '/members'));
    case 'members add':
      return print(await call('POST', '/members', { memberClass: need(values, 'class'), memberCode: need(values, 'code'), name: need(values, 'name') }));
    case 'subsystems add':
      return print(await call('POST', `/members/${encodeURIComponent(need(values, 'class'))}/${encodeURIComponent(need(values, 'code'))}/subsystems`, { subsystemCode: need(values, 'subsystem') }));
    case 'requests list':
      return print(await call('GET', '/management-requests'));
    case 'requests approve':
    case 'requests reject': {
      const id = positionals[2];
      if (id === undefined) throw new UsageError(`requests ${action} needs the request id`);
      return print(await call('POST', `/management-requests/${encodeURIComponent(id)}/${action === 'approve' ? 'approval' : 'rejection'}`));
    }
    case 'cas list':
      return print(await call('GET', '/certification-services'));
    case 'cas add': {
      const ocspUrl = values['ocsp-url'];
      const ocspCert = values['ocsp-cert'] === undefined ? undefined : await file('ocsp-cert');
      return print(
        await call('POST', '/certification-services', {
          name: need(values, 'name'),
          certificateProfile: values.profile ?? 'ejbca',
          authOnly: values['auth-only'] === true,
          topCertificate: await file('cert'),
          intermediateCertificates: await Promise.all((values.intermediate ?? []).map((p) => readFile(resolve(io.cwd, p), 'utf8'))),
          ocspResponders: ocspUrl === undefined ? [] : [{ url: ocspUrl, ...(ocspCert === undefined ? {} : { certificate: ocspCert }) }],
        }),
      );
    }
    case 'tsas list':
      return print(await call('GET', '/timestamping-services'));
    case 'tsas add':
      return print(await call('POST', '/timestamping-services', { name: need(values, 'name'), url: need(values, 'url'), certificate: await file('cert') }));
    case 'keys list':
      return print(await call('GET', '/signing-keys'));
    case 'keys announce':
      return print(await call('POST', '/signing-keys', values.alg === undefined ? {} : { alg: values.alg }));
    case 'keys activate':
      return print(await call('POST', '/signing-keys/activate-next'));
    case 'settings get':
      return print(await call('GET', '/settings'));
    case 'settings set': {
      const authReg = bool(values['auto-approve-auth-cert-reg']);
      const clientReg = bool(values['auto-approve-client-reg']);
      const validity = int(values['configuration-validity-seconds']);
      const freshness = int(values['ocsp-freshness-seconds']);
      return print(
        await call('PATCH', '/settings', {
          ...(validity === undefined ? {} : { configurationValiditySeconds: validity }),
          ...(freshness === undefined ? {} : { ocspFreshnessSeconds: freshness }),
          ...(authReg === undefined && clientReg === undefined
            ? {}
            : { autoApprove: { ...(authReg === undefined ? {} : { authCertReg: authReg }), ...(clientReg === undefined ? {} : { clientReg }) } }),
        }),
      );
    }
    default:
      throw new UsageError(`unknown subcommand: registry ${positionals.join(' ')}`);
  }
}

/** `tonle registry ...`: a thin wrapper over `@tonle/central-registry` and its admin API. */
export const registryCommand: Command = {
  name: 'registry',
  summary: 'run and administer the central registry (members, servers, signed global configuration)',
  usage: USAGE,
  async run(args, io) {
    let values: Values;
    let positionals: string[];
    try {
      ({ values, positionals } = parseArgs({ args: [...args], options: OPTIONS, allowPositionals: true, strict: true }));
    } catch (error) {
      io.err(`tonle registry: ${(error as Error).message}\n\n${USAGE}\n`);
      return 2;
    }
    const sub = positionals[0];
    try {
      if (sub === 'init') return await init(values, io);
      if (sub === 'start') return await start(values, io);
      if (sub === undefined) throw new UsageError('a subcommand is required');
      return await admin(sub, positionals, values, io);
    } catch (error) {
      if (error instanceof UsageError) {
        io.err(`tonle registry: ${error.message}\n\n${USAGE}\n`);
        return 2;
      }
      if (isRegistryError(error)) {
        io.err(`tonle registry: ${error.code}: ${error.message}${error.details.length > 0 ? `\n  ${error.details.join('\n  ')}` : ''}\n`);
        return 1;
      }
      io.err(`tonle registry: ${(error as Error).message}\n`);
      return 1;
    }
  },
};
