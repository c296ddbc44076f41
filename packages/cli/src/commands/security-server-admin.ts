import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CommandIo } from '../command.ts';

/**
 * `tonle security-server <group> ...`: a thin client of a security server's admin API (docs/admin-api.md).
 * Every subcommand is one HTTP call; nothing here knows more than the route table.
 */
export const securityServerAdminUsage = `Usage: tonle security-server <group> <action> [args] [--admin-url <url>] [--api-key-file <file>]

Talks to a security server's admin API (docs/admin-api.md). The URL comes from --admin-url or
TONLE_ADMIN_URL (e.g. http://127.0.0.1:4000); the API key from --api-key-file or TONLE_ADMIN_API_KEY.
PINs are read from --pin-file or TONLE_TOKEN_PIN, never from the command line.

  status                                      initialisation and token status
  token login | logout
  keys list | generate --usage SIGN|AUTH --spec P-256|Ed25519|RSA-2048|RSA-3072 [--member EE:GOV:1234] [--label text] | delete <keyId>
  csr create <keyId> [--profile ejbca]        prints the CSR (PEM) for the CA
  certs list | import <file.pem|der> | activate <hash> | disable <hash> | delete <hash>
        | register <hash> --address <host> | unregister <hash>
  clients list | add <EE:GOV:1234:sub> | register <id> | unregister <id> | delete <id>
  services list <subsystem id> | add <service id> --url <url> [--timeout <s>] | delete <service id>
        | add <service id> --openapi <file|http(s) url> [--url <service url>] [--timeout <s>]
        | refresh <service id> [--openapi <file|http(s) url>]
                                              OPENAPI3 services: endpoints generated from the description
                                              (a URL is fetched by the security server; refresh without
                                              --openapi re-fetches the URL it was published from)
  access list <service id> | grant <service id> <subject> | revoke <service id> <subject>
  tsa list | add <name> <url> | delete <name>
  maintenance on [--message text] | off
  backups list | create | restore <name>
  diagnostics globalconf | ocsp | timestamping | expiry
  opmon <recordsFrom> <recordsTo> [--limit n] [--cursor c]   operational records (epoch seconds)`;

interface Call {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly body?: unknown;
  readonly raw?: { readonly type: string; readonly data: Uint8Array };
  /** Print the response field as text instead of JSON. */
  readonly print?: string;
}

class UsageError extends Error {}

function flags(args: readonly string[]): { positional: string[]; named: Map<string, string> } {
  const positional: string[] = [];
  const named = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) named.set(a.slice(2, eq), a.slice(eq + 1));
      else {
        const v = args[i + 1];
        if (v === undefined) throw new UsageError(`${a} needs a value`);
        named.set(a.slice(2), v);
        i++;
      }
    } else positional.push(a);
  }
  return { positional, named };
}

const enc = encodeURIComponent;

async function pin(named: Map<string, string>, io: CommandIo): Promise<string> {
  const file = named.get('pin-file');
  if (file !== undefined) return (await readFile(resolve(io.cwd, file), 'utf8')).trim();
  const env = io.env['TONLE_TOKEN_PIN'];
  if (env === undefined || env.length === 0) throw new UsageError('give the token PIN with --pin-file <file> or TONLE_TOKEN_PIN');
  return env;
}

/** An OpenAPI description argument: an http(s) URL the server fetches, or a local file sent as text. */
async function description(value: string, io: CommandIo): Promise<{ openapiUrl: string } | { openapi: string }> {
  if (/^https?:\/\//i.test(value)) return { openapiUrl: value };
  return { openapi: await readFile(resolve(io.cwd, value), 'utf8') };
}

/** Turns `group action args` into one admin API call. */
export async function toCall(args: readonly string[], io: CommandIo): Promise<Call> {
  const { positional, named } = flags(args);
  const [group, action, a1, a2] = positional;
  const need = (v: string | undefined, what: string): string => {
    if (v === undefined || v.length === 0) throw new UsageError(`missing ${what}`);
    return v;
  };
  switch (`${group ?? ''} ${action ?? ''}`.trim()) {
    case 'status':
      return { method: 'GET', path: '/initialization/status' };
    case 'token login':
      return { method: 'PUT', path: '/tokens/0/login', body: { pin: await pin(named, io) } };
    case 'token logout':
      return { method: 'PUT', path: '/tokens/0/logout' };
    case 'keys list':
      return { method: 'GET', path: '/keys' };
    case 'keys generate':
      return {
        method: 'POST',
        path: '/keys',
        body: {
          usage: need(named.get('usage'), '--usage'),
          spec: need(named.get('spec'), '--spec'),
          ...(named.has('member') ? { memberId: named.get('member') } : {}),
          ...(named.has('label') ? { label: named.get('label') } : {}),
        },
      };
    case 'keys delete':
      return { method: 'DELETE', path: `/keys/${enc(need(a1, 'key id'))}` };
    case 'csr create':
      return { method: 'POST', path: `/keys/${enc(need(a1, 'key id'))}/csrs`, body: named.has('profile') ? { profile: named.get('profile') } : {}, print: 'pem' };
    case 'certs list':
      return { method: 'GET', path: '/certificates' };
    case 'certs import': {
      const data = new Uint8Array(await readFile(resolve(io.cwd, need(a1, 'certificate file'))));
      const pem = Buffer.from(data).toString('latin1').includes('-----BEGIN');
      return { method: 'POST', path: '/certificates', raw: { type: pem ? 'application/x-pem-file' : 'application/pkix-cert', data } };
    }
    case 'certs activate':
    case 'certs disable':
    case 'certs unregister':
      return { method: 'PUT', path: `/certificates/${enc(need(a1, 'certificate hash'))}/${action}` };
    case 'certs register':
      return { method: 'PUT', path: `/certificates/${enc(need(a1, 'certificate hash'))}/register`, body: { address: need(named.get('address'), '--address') } };
    case 'certs delete':
      return { method: 'DELETE', path: `/certificates/${enc(need(a1, 'certificate hash'))}` };
    case 'clients list':
      return { method: 'GET', path: '/clients' };
    case 'clients add':
      return { method: 'POST', path: '/clients', body: { id: need(a1, 'client id') } };
    case 'clients register':
    case 'clients unregister':
      return { method: 'PUT', path: `/clients/${need(a1, 'client id')}/${action}` };
    case 'clients delete':
      return { method: 'DELETE', path: `/clients/${need(a1, 'client id')}` };
    case 'services list':
      return { method: 'GET', path: `/clients/${need(a1, 'subsystem id')}/services` };
    case 'services add': {
      const timeout = named.has('timeout') ? { timeoutSeconds: Number(named.get('timeout')) } : {};
      if (named.has('openapi')) {
        const url = named.has('url') ? { url: named.get('url') } : {};
        return { method: 'POST', path: '/services', body: { id: need(a1, 'service id'), type: 'OPENAPI3', ...(await description(need(named.get('openapi'), '--openapi'), io)), ...url, ...timeout } };
      }
      return { method: 'POST', path: '/services', body: { id: need(a1, 'service id'), url: need(named.get('url'), '--url'), ...timeout } };
    }
    case 'services refresh':
      return {
        method: 'PUT',
        path: `/services/${need(a1, 'service id')}/openapi/refresh`,
        body: named.has('openapi') ? await description(need(named.get('openapi'), '--openapi'), io) : {},
      };
    case 'services delete':
      return { method: 'DELETE', path: `/services/${need(a1, 'service id')}` };
    case 'access list':
      return { method: 'GET', path: `/services/${need(a1, 'service id')}/access-rights` };
    case 'access grant':
      return { method: 'POST', path: `/services/${need(a1, 'service id')}/access-rights`, body: { subject: need(a2, 'subject') } };
    case 'access revoke':
      return { method: 'POST', path: `/services/${need(a1, 'service id')}/access-rights/delete`, body: { subject: need(a2, 'subject') } };
    case 'tsa list':
      return { method: 'GET', path: '/timestamping-services' };
    case 'tsa add':
      return { method: 'POST', path: '/timestamping-services', body: { name: need(a1, 'name'), url: need(a2, 'url') } };
    case 'tsa delete':
      return { method: 'DELETE', path: `/timestamping-services/${enc(need(a1, 'name'))}` };
    case 'maintenance on':
      return { method: 'PUT', path: '/system/maintenance-mode', body: { enabled: true, ...(named.has('message') ? { message: named.get('message') } : {}) } };
    case 'maintenance off':
      return { method: 'PUT', path: '/system/maintenance-mode', body: { enabled: false } };
    case 'backups list':
      return { method: 'GET', path: '/backups' };
    case 'backups create':
      return { method: 'POST', path: '/backups' };
    case 'backups restore':
      return { method: 'PUT', path: `/backups/${enc(need(a1, 'backup name'))}/restore` };
    case 'diagnostics globalconf':
      return { method: 'GET', path: '/diagnostics/globalconf' };
    case 'diagnostics ocsp':
      return { method: 'GET', path: '/diagnostics/ocsp-responders' };
    case 'diagnostics timestamping':
      return { method: 'GET', path: '/diagnostics/timestamping-services' };
    case 'diagnostics expiry':
      return { method: 'GET', path: '/diagnostics/certificate-expiry' };
    default:
      if (group === 'opmon') {
        const q = new URLSearchParams({ recordsFrom: need(action, 'recordsFrom'), recordsTo: need(a1, 'recordsTo') });
        if (named.has('limit')) q.set('limit', named.get('limit')!);
        if (named.has('cursor')) q.set('cursor', named.get('cursor')!);
        return { method: 'GET', path: `/diagnostics/operational-monitoring?${q.toString()}` };
      }
      throw new UsageError(`unknown subcommand '${positional.slice(0, 2).join(' ')}'`);
  }
}

/**
 * Runs one admin API subcommand; exit code 0 on success, 1 when the server refuses (its code and
 * message on stderr), 2 for usage errors.
 */
export async function runSecurityServerAdmin(args: readonly string[], io: CommandIo): Promise<number> {
  let call: Call;
  let named: Map<string, string>;
  try {
    named = flags(args).named;
    call = await toCall(args, io);
  } catch (e) {
    if (e instanceof UsageError || (e as NodeJS.ErrnoException).code === 'ENOENT') {
      io.err(`tonle security-server: ${(e as Error).message}\n\n${securityServerAdminUsage}\n`);
      return 2;
    }
    throw e;
  }
  const base = named.get('admin-url') ?? io.env['TONLE_ADMIN_URL'];
  const keyFile = named.get('api-key-file');
  const key = keyFile !== undefined ? (await readFile(resolve(io.cwd, keyFile), 'utf8')).trim() : io.env['TONLE_ADMIN_API_KEY'];
  if (base === undefined || key === undefined || key.length === 0) {
    io.err('tonle security-server: give the admin URL (--admin-url or TONLE_ADMIN_URL) and an API key (--api-key-file or TONLE_ADMIN_API_KEY)\n');
    return 2;
  }
  const headers: Record<string, string> = { authorization: `X-Road-ApiKey token=${key}` };
  let body: string | Uint8Array | undefined;
  if (call.raw !== undefined) {
    headers['content-type'] = call.raw.type;
    body = call.raw.data;
  } else if (call.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(call.body);
  }
  let res: Response;
  try {
    res = await fetch(`${base.replace(/\/+$/, '')}/api/v1${call.path}`, { method: call.method, headers, ...(body === undefined ? {} : { body }) });
  } catch (e) {
    io.err(`tonle security-server: cannot reach the admin API at ${base} (${(e as Error).message})\n`);
    return 1;
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text.length === 0 ? undefined : JSON.parse(text);
  } catch {
    parsed = text;
  }
  if (res.status >= 400) {
    const p = parsed as { code?: string; message?: string; details?: string[]; registryCode?: string; pointer?: string; line?: number; column?: number } | undefined;
    const where = p?.pointer !== undefined ? `\n  at ${p.pointer}` : p?.line !== undefined ? `\n  at line ${p.line}, column ${p.column ?? '?'}` : '';
    io.err(`${p?.code ?? `HTTP ${res.status}`}: ${p?.message ?? text}${p?.registryCode ? ` (${p.registryCode})` : ''}${p?.details?.length ? `\n  ${p.details.join('\n  ')}` : ''}${where}\n`);
    return 1;
  }
  if (call.print !== undefined && typeof parsed === 'object' && parsed !== null && typeof (parsed as Record<string, unknown>)[call.print] === 'string') {
    io.out(`${(parsed as Record<string, string>)[call.print]}`);
  } else if (parsed !== undefined) {
    io.out(`${JSON.stringify(parsed, null, 2)}\n`);
  }
  return 0;
}
