import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock } from '@tonle/protocol';
import { parseCertificate } from '@tonle/pki';
import {
  createTrustLogger,
  initTrustState,
  isTrustServiceError,
  readSecretFile,
  revocationReasons,
  startTrustServices,
  stateLayout,
} from '@tonle/trust-services';
import type { Command, CommandIo } from '../command.ts';

const USAGE = `Usage: tonle trust <subcommand> [options]

Runs Tonle's trust services: certification authority, OCSP responder, time-stamping authority.

  trust init  --dir <d> [--instance EE (default)] [--ocsp-url <url>] [--key-type P-256|P-384|RSA-2048|RSA-3072|Ed25519]
              creates the CA key+certificate, the OCSP responder and TSA certificates, the key PIN and
              the admin API key (in <d>/secrets/) in a new state directory
  trust start --dir <d> [--host 127.0.0.1] [--ca-port 8090] [--ocsp-port 8091] [--tsa-port 8092]
              [--only ca,ocsp,tsa] [--log-level info] [--ca-config f.json --ocsp-config f.json --tsa-config f.json]
              starts the services (default all three) in this process; stops on SIGINT/SIGTERM
  trust issue --csr <file> --profile sign|auth (--member EE/GOV/123 | --server EE/GOV/123/ss1)
              [--ca-url http://127.0.0.1:8090] (--dir <d> | --api-key-file <f>) [--out cert.pem]
  trust revoke --serial <hex> [--reason keyCompromise] [--ca-url ...] (--dir <d> | --api-key-file <f>)

Settings can also come from TONLE_CA_*, TONLE_OCSP_*, TONLE_TSA_* (see docs/trust-services.md).`;

type Flags = Record<string, string | boolean | undefined>;

function parse(args: readonly string[], options: Record<string, { type: 'string' | 'boolean' }>): Flags {
  return parseArgs({ args: [...args], options, allowPositionals: false, strict: true }).values as Flags;
}

function port(value: string | boolean | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !/^[0-9]+$/.test(value) || n > 65535) throw new UsageError(`--${name} must be a port number 0..65535`);
  return n;
}

class UsageError extends Error {}

function requireString(flags: Flags, name: string): string {
  const v = flags[name];
  if (typeof v !== 'string' || v.length === 0) throw new UsageError(`--${name} is required`);
  return v;
}

async function init(args: readonly string[], io: CommandIo): Promise<number> {
  const flags = parse(args, { dir: { type: 'string' }, instance: { type: 'string' }, 'ocsp-url': { type: 'string' }, 'key-type': { type: 'string' } });
  const stateDir = resolve(io.cwd, requireString(flags, 'dir'));
  const keyType = (flags['key-type'] as string | undefined) ?? 'P-256';
  if (!['P-256', 'P-384', 'RSA-2048', 'RSA-3072', 'RSA-4096', 'Ed25519'].includes(keyType)) throw new UsageError(`--key-type ${keyType} is not supported`);
  const state = await initTrustState({
    stateDir,
    instanceIdentifier: (flags['instance'] as string | undefined) ?? 'EE',
    ocspUrl: (flags['ocsp-url'] as string | undefined) ?? 'http://127.0.0.1:8091/',
    clock: systemClock,
    keySpec: keyType as 'P-256',
  });
  const layout = stateLayout(stateDir);
  io.out(
    [
      `Trust services state created in ${stateDir}`,
      `  CA certificate         ${layout.certificate('ca')}  (SHA-256 ${parseCertificate(state.caCertificate).sha256})`,
      `  OCSP responder cert    ${layout.certificate('ocsp')}`,
      `  TSA certificate        ${layout.certificate('tsa')}`,
      `  key PIN (keep secret)  ${state.keyPinFile}`,
      `  admin API key          ${state.apiKeyFile}`,
      `Start them with: npm run tonle -- trust start --dir ${stateDir}`,
      '',
    ].join('\n'),
  );
  return 0;
}

async function start(args: readonly string[], io: CommandIo): Promise<number> {
  const flags = parse(args, {
    dir: { type: 'string' },
    host: { type: 'string' },
    'ca-port': { type: 'string' },
    'ocsp-port': { type: 'string' },
    'tsa-port': { type: 'string' },
    'log-level': { type: 'string' },
    only: { type: 'string' },
    'ca-config': { type: 'string' },
    'ocsp-config': { type: 'string' },
    'tsa-config': { type: 'string' },
  });
  const stateDir = resolve(io.cwd, requireString(flags, 'dir'));
  const only = typeof flags['only'] === 'string' ? flags['only'].split(',') : undefined;
  if (only !== undefined && (only.length === 0 || only.some((s) => s !== 'ca' && s !== 'ocsp' && s !== 'tsa'))) {
    throw new UsageError('--only takes a comma-separated subset of ca,ocsp,tsa');
  }
  const ports: { ca?: number; ocsp?: number; tsa?: number } = {};
  for (const name of ['ca', 'ocsp', 'tsa'] as const) {
    const p = port(flags[`${name}-port`], `${name}-port`);
    if (p !== undefined) ports[name] = p;
  }
  const configFiles: { ca?: string; ocsp?: string; tsa?: string } = {};
  for (const name of ['ca', 'ocsp', 'tsa'] as const) {
    const f = flags[`${name}-config`];
    if (typeof f === 'string') configFiles[name] = resolve(io.cwd, f);
  }
  const log = createTrustLogger({ level: (flags['log-level'] as string | undefined) ?? 'info' });
  const services = await startTrustServices({
    stateDir,
    log,
    env: io.env,
    ports,
    configFiles,
    ...(typeof flags['host'] === 'string' ? { host: flags['host'] } : {}),
    ...(only === undefined ? {} : { only: only as ('ca' | 'ocsp' | 'tsa')[] }),
  });
  io.out(
    [
      'Tonle trust services are running:',
      ...(services.ca === undefined ? [] : [`  certification authority  ${services.ca.url}   (CA certificate: ${services.ca.url}/ca.pem)`]),
      ...(services.ocsp === undefined ? [] : [`  OCSP responder           ${services.ocsp.url}`]),
      ...(services.tsa === undefined ? [] : [`  time-stamping authority  ${services.tsa.url}`]),
      'Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );
  const signal = await new Promise<string>((done) => {
    const stop = (s: string): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      done(s);
    };
    const onInt = (): void => stop('SIGINT');
    const onTerm = (): void => stop('SIGTERM');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
  });
  await services.close();
  io.out(`Stopped (${signal}).\n`);
  return 0;
}

async function adminContext(flags: Flags, io: CommandIo): Promise<{ caUrl: string; apiKey: string }> {
  const caUrl = ((flags['ca-url'] as string | undefined) ?? io.env['TONLE_TRUST_CA_URL'] ?? 'http://127.0.0.1:8090').replace(/\/+$/, '');
  const keyFile =
    (flags['api-key-file'] as string | undefined) ??
    (typeof flags['dir'] === 'string' ? stateLayout(resolve(io.cwd, flags['dir'])).apiKey : undefined);
  if (keyFile === undefined) throw new UsageError('give --api-key-file <file> or --dir <state dir> (the key is read from <dir>/secrets/admin-api-key)');
  return { caUrl, apiKey: await readSecretFile(resolve(io.cwd, keyFile), 'admin API key') };
}

async function call(url: string, apiKey: string, init: RequestInit): Promise<Record<string, unknown>> {
  const response = await fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${apiKey}` } });
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) throw new AdminError(response.status, String(body['code'] ?? 'HTTP'), String(body['message'] ?? response.statusText));
  return body;
}

class AdminError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const adminFlags = { 'ca-url': { type: 'string' }, 'api-key-file': { type: 'string' }, dir: { type: 'string' } } as const;

async function issue(args: readonly string[], io: CommandIo): Promise<number> {
  const flags = parse(args, { ...adminFlags, csr: { type: 'string' }, profile: { type: 'string' }, member: { type: 'string' }, server: { type: 'string' }, out: { type: 'string' } });
  const profile = requireString(flags, 'profile');
  if (profile !== 'sign' && profile !== 'auth') throw new UsageError('--profile must be sign or auth');
  const owner = profile === 'sign' ? { memberId: requireString(flags, 'member') } : { serverId: requireString(flags, 'server') };
  const csr = await readFile(resolve(io.cwd, requireString(flags, 'csr')));
  const text = csr.includes('-----BEGIN') ? csr.toString('utf8') : csr.toString('base64');
  const { caUrl, apiKey } = await adminContext(flags, io);
  const issued = await call(`${caUrl}/api/v1/certificates`, apiKey, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ csr: text, profile, ...owner }),
  });
  const pem = String(issued['certificate']);
  if (typeof flags['out'] === 'string') await writeFile(resolve(io.cwd, flags['out']), pem);
  else io.out(pem);
  io.err(`Issued serial ${String(issued['serialNumber'])} for ${String(issued['owner'])} (SHA-256 ${String(issued['sha256'])}).\n`);
  return 0;
}

async function revoke(args: readonly string[], io: CommandIo): Promise<number> {
  const flags = parse(args, { ...adminFlags, serial: { type: 'string' }, reason: { type: 'string' } });
  const serial = requireString(flags, 'serial');
  const reason = (flags['reason'] as string | undefined) ?? 'unspecified';
  if (!(revocationReasons as readonly string[]).includes(reason)) throw new UsageError(`--reason must be one of ${revocationReasons.join(', ')}`);
  const { caUrl, apiKey } = await adminContext(flags, io);
  const revoked = await call(`${caUrl}/api/v1/certificates/${encodeURIComponent(serial)}/revoke`, apiKey, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ reason }),
  });
  io.out(`Revoked ${String(revoked['serialNumber'])} (${String(revoked['owner'])}) at ${String(revoked['revocationTime'])}, reason ${reason}.\n`);
  return 0;
}

/** `tonle trust ...`: thin wrappers over @tonle/trust-services (state directory, servers, admin API). */
export const trustCommand: Command = {
  name: 'trust',
  summary: 'run the CA, OCSP responder and TSA (init, start, issue, revoke)',
  usage: USAGE,
  async run(args, io) {
    const [sub, ...rest] = args;
    const handlers: Record<string, (a: readonly string[], io: CommandIo) => Promise<number>> = { init, start, issue, revoke };
    const handler = sub === undefined ? undefined : handlers[sub];
    if (handler === undefined) {
      io.err(`tonle trust: ${sub === undefined ? 'missing subcommand' : `unknown subcommand '${sub}'`}\n\n${USAGE}\n`);
      return 2;
    }
    try {
      return await handler(rest, io);
    } catch (e) {
      if (e instanceof UsageError || (e as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || (e as { code?: string }).code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
        io.err(`tonle trust ${sub}: ${(e as Error).message}\n\n${USAGE}\n`);
        return 2;
      }
      if (isTrustServiceError(e)) {
        io.err(`tonle trust ${sub}: ${e.code}: ${e.message}\n`);
        return 1;
      }
      if (e instanceof AdminError) {
        io.err(`tonle trust ${sub}: CA answered ${e.status} ${e.code}: ${e.message}\n`);
        return 1;
      }
      if ((e as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED') {
        io.err(`tonle trust ${sub}: cannot reach the CA; is \`tonle trust start\` running, and is --ca-url right?\n`);
        return 1;
      }
      throw e;
    }
  },
};

