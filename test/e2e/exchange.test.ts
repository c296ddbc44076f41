/**
 * Whole exchange over real sockets: information system -> SS-A client proxy -> mutual TLS -> SS-B server
 * proxy -> provider service, and back. Every case checks the HTTP status and the fault code.
 */
import { X509Certificate, createHash, randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { call, type Answer } from './support/http.ts';
import { MARKER, startNetwork, type Network } from './support/network.ts';

let net: Network;
let original: { a: Network['a']['signing']; b: Network['b']['signing'] };
let confChanged = false;

beforeAll(async () => {
  // debug: the per-exchange lines are written too, so the log checks below cover them
  net = await startNetwork({ logLevel: 'debug' });
  original = { a: { ...net.a.signing }, b: { ...net.b.signing } };
}, 180_000);
afterAll(async () => net?.close());
afterEach(async () => {
  net.a.clock.offsetMs = 0;
  net.b.clock.offsetMs = 0;
  net.a.signing = { ...original.a };
  net.b.signing = { ...original.b };
  net.relay.mode = 'none';
  if (confChanged) {
    await net.publish();
    confChanged = false;
  }
});

const CLIENT: [string, string] = ['X-Road-Client', 'EE/GOV/1111/consumer'];
const SERVICE = '/r1/EE/GOV/2222/provider';

function send(path: string, options: { method?: string; headers?: [string, string][]; body?: Uint8Array } = {}): Promise<Answer> {
  return call(`${net.url}${path}`, { method: options.method ?? 'GET', headers: options.headers ?? [CLIENT], ...(options.body === undefined ? {} : { body: options.body }) });
}

function expectFault(res: Answer, code: string, status = code.startsWith('Client.') ? 400 : 500): void {
  expect({ status: res.status, error: res.headers['x-road-error'] }).toEqual({ status, error: code });
  const body = res.json();
  expect(body['type']).toBe(code);
  expect(body['detail']).toMatch(/^[0-9a-f-]{36}$/);
}

describe('successful exchanges', () => {
  const sizes = [0, 1024, 13 * 1024 * 1024];
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
    for (const size of sizes) {
      it(`${method} with a ${size} B binary body comes back byte for byte`, async () => {
        const body = randomBytes(size);
        const res = await send(`${SERVICE}/echo/binary?size=${size}`, { method, headers: [CLIENT, ['Content-Type', 'application/octet-stream']], body });
        expect(res.status).toBe(200);
        expect(res.body.length).toBe(size);
        expect(createHash('sha256').update(res.body).digest('hex')).toBe(createHash('sha256').update(body).digest('hex'));
        expect(res.headers['x-road-service']).toBe('EE/GOV/2222/provider/echo');
        // The provider tried to set its own X-Road-Request-Hash; the provider's security server replaced it.
        expect(res.headers['x-road-request-hash']).not.toBe('forged');
        expect(res.headers['x-road-request-hash']).toMatch(/^[A-Za-z0-9+/]{86}==$/);
      }, 120_000);
    }
  }

  it('GET with a query, percent-encoded identifiers and custom headers both ways', async () => {
    const res = await send(`${SERVICE}/%65cho/v1/items?x=1&y=%2F&z=a+b`, {
      headers: [CLIENT, ['X-Custom', 'abc'], ['Authorization', 'Bearer t0ken'], ['X-Road-UserId', 'EE12345678901'], ['Connection', 'keep-alive, X-Hop'], ['X-Hop', 'drop me']],
    });
    expect(res.status).toBe(200);
    const seen = res.json();
    expect(seen['method']).toBe('GET');
    expect(seen['url']).toBe('/v1/items?x=1&y=%2F&z=a+b');
    const headers = seen['headers'] as Record<string, string>;
    expect(headers['x-custom']).toBe('abc');
    expect(headers['authorization']).toBe('Bearer t0ken');
    expect(headers['x-road-userid']).toBe('EE12345678901');
    expect(headers['x-road-client']).toBe('EE/GOV/1111/consumer');
    expect(headers['x-road-request-id']).toBe(res.headers['x-road-request-id']);
    expect(headers['x-hop']).toBeUndefined();
    expect(res.headers['x-provider']).toBe('yes');
    expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(res.rawHeaders.filter((_, i, all) => i % 2 === 0 && all[i]?.toLowerCase() === 'date')).toHaveLength(1);
    expect(res.headers['x-road-id']).toMatch(/^EE-[0-9a-f-]{36}$/);
  });

  it('keeps the X-Road-Id the client sent, and a repeated X-Road-Client means the last one', async () => {
    const res = await send(`${SERVICE}/echo/`, { headers: [['X-Road-Client', 'EE/GOV/9999/nobody'], CLIENT, ['X-Road-Id', 'my-query-1']] });
    expect(res.status).toBe(200);
    expect(res.headers['x-road-id']).toBe('my-query-1');
    const reversed = await send(`${SERVICE}/echo/`, { headers: [CLIENT, ['X-Road-Client', 'EE/GOV/9999/nobody']] });
    expectFault(reversed, 'Server.ClientProxy.UnknownMember');
  });

  it('passes 3xx back without following it, and provider 4xx/5xx untouched', async () => {
    const redirect = await send(`${SERVICE}/echo/redirect`);
    expect(redirect.status).toBe(302);
    expect(redirect.headers['location']).toBe('https://elsewhere.example/next');
    for (const status of [404, 503]) {
      const res = await send(`${SERVICE}/echo/status/${status}`);
      expect(res.status).toBe(status);
      expect(res.headers['x-road-error']).toBeUndefined();
      expect(res.json()).toEqual({ title: 'provider says no' });
      expect(res.headers['content-type']).toBe('application/problem+json');
    }
  });

  it('logs request and response on both sides', async () => {
    const before = [net.a.messageLog.records.length, net.b.messageLog.records.length];
    const res = await send(`${SERVICE}/echo/logged`, { headers: [CLIENT, ['X-Road-Id', 'logged-1']] });
    expect(res.status).toBe(200);
    const kinds = (side: Network['a']) => side.messageLog.records.filter((r) => r.xRoadId === 'logged-1').map((r) => `${r.side}:${r.kind}:${r.signedBy}`);
    expect(kinds(net.a)).toEqual(['client:request:self', 'client:response:peer']);
    expect(kinds(net.b)).toEqual(['server:request:peer', 'server:response:self']);
    expect(net.a.messageLog.records.length - (before[0] as number)).toBe(2);
  });
});

describe('more methods', () => {
  it('HEAD and OPTIONS go through', async () => {
    const head = await send(`${SERVICE}/echo/v1`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers['x-road-service']).toBe('EE/GOV/2222/provider/echo');
    const options = await send(`${SERVICE}/echo/v1`, { method: 'OPTIONS' });
    expect(options.status).toBe(200);
    expect(options.json()['method']).toBe('OPTIONS');
  });
});

describe('faults', () => {
  it.each([
    ['/r1/EE/GOV', 'Client.InvalidServiceIdentifier'],
    ['/r1/EE/GOV/2222/provider', 'Client.InvalidServiceIdentifier'],
    ['/r2/EE/GOV/2222/provider/echo', 'Client.InvalidProtocolVersion'],
    ['/hello', 'Client.BadRequest'],
    ['/r1/EE/GOV/2222/provider/%ZZ', 'Client.BadRequest'],
  ])('malformed path %s', async (path, code) => {
    expectFault(await send(path), code);
  });

  it('an X-Road-Id longer than 255 characters is a bad request', async () => {
    expectFault(await send(`${SERVICE}/echo`, { headers: [CLIENT, ['X-Road-Id', 'x'.repeat(256)]] }), 'Client.BadRequest');
  });

  it('missing, malformed and unknown X-Road-Client', async () => {
    expectFault(await send(`${SERVICE}/echo`, { headers: [] }), 'Client.MissingHeaderField');
    expectFault(await send(`${SERVICE}/echo`, { headers: [['X-Road-Client', 'EE/GOV']] }), 'Client.InvalidClientIdentifier');
    expectFault(await send(`${SERVICE}/echo`, { headers: [['X-Road-Client', 'EE/GOV/2222/provider']] }), 'Server.ClientProxy.UnknownMember');
  });

  it('unknown, disabled and forbidden services', async () => {
    expectFault(await send(`${SERVICE}/nosuch`), 'Server.ServerProxy.UnknownService');
    const off = await send(`${SERVICE}/off`);
    expectFault(off, 'Server.ServerProxy.ServiceDisabled');
    expect(String(off.json()['message'])).toContain('maintenance until Monday');
    const denied = await send(`${SERVICE}/closed`, { headers: [CLIENT, ['X-Road-Id', 'denied-1']] });
    expectFault(denied, 'Server.ServerProxy.AccessDenied');
    expectFault(await send('/r1/EE/GOV/7777/elsewhere/echo'), 'Server.ClientProxy.UnknownService');
    // The refusal is recorded on both sides, against the exchange's ids.
    const refusals = (side: Network['a']) => side.messageLog.records.filter((r) => r.xRoadId === 'denied-1' && r.kind === 'refusal').map((r) => r.faultCode);
    expect(refusals(net.a)).toEqual(['Server.ServerProxy.AccessDenied']);
    expect(refusals(net.b)).toEqual(['Server.ServerProxy.AccessDenied']);
  });

  it('renders XML when Accept asks for it', async () => {
    const res = await send(`${SERVICE}/closed`, { headers: [CLIENT, ['Accept', 'application/xml']] });
    expect(res.status).toBe(500);
    expect(res.headers['content-type']).toMatch(/^application\/xml/);
    expect(res.body.toString()).toContain('<type>Server.ServerProxy.AccessDenied</type>');
  });

  it.each([
    ['request-body', 'Server.ServerProxy.InvalidSignatureValue'],
    ['request-header', 'Server.ServerProxy.InvalidSignatureValue'],
    ['response-body', 'Server.ClientProxy.InvalidSignatureValue'],
    ['response-header', 'Server.ClientProxy.InvalidSignatureValue'],
  ] as const)('a byte flipped in transit (%s) is caught before anything is forwarded', async (mode, code) => {
    net.relay.mode = mode;
    const before = net.b.messageLog.records.length;
    const res = await send(`${SERVICE}/echo/binary`, { method: 'POST', headers: [CLIENT, ['X-Mark', MARKER]], body: Buffer.from('payload') });
    expectFault(res, code);
    // B never logs (so never forwards) a tampered request. A body that fails its signed digest is refused
    // after the signature over the ids verified, so that refusal is recorded against those ids.
    if (mode === 'request-header') expect(net.b.messageLog.records.length).toBe(before);
    if (mode === 'request-body') expect(net.b.messageLog.records.slice(before).map((r) => `${r.kind} ${r.faultCode}`)).toEqual([`refusal ${code}`]);
  });

  it('a replayed genuine response for another request is caught as inconsistent', async () => {
    expect((await send(`${SERVICE}/echo/first`)).status).toBe(200);
    net.relay.mode = 'replay-response';
    expectFault(await send(`${SERVICE}/echo/second`), 'Server.ClientProxy.InconsistentResponse');
  });

  it('a request signed by another member is refused', async () => {
    const other = await net.signerFor('3333');
    net.a.signing = { signer: other.signer, ocsp: [other.ocsp] };
    expectFault(await send(`${SERVICE}/echo`), 'Server.ServerProxy.CertValidation');
  });

  it('a revoked signing certificate is refused', async () => {
    const own = await net.signerFor('1111');
    await net.pki.revoke(own.cert.serialNumber, 'keyCompromise');
    net.a.signing = { signer: own.signer, ocsp: [await net.pki.fetchOcspResponse(own.cert.certificate)] };
    expectFault(await send(`${SERVICE}/echo`), 'Server.ServerProxy.IncorrectValidationInfo');
  });

  it('an expired signing certificate is refused', async () => {
    // Past the signing certificate's notAfter (on SS-B's clock), with a configuration still valid then.
    const notAfter = Date.parse(new X509Certificate(net.a.signing.signer.certificateChain[0] as Uint8Array).validTo);
    const offset = notAfter - Date.now() + 86_400_000;
    await net.publish((d) => d, offset + 86_400_000);
    confChanged = true;
    net.b.clock.offsetMs = offset;
    expectFault(await send(`${SERVICE}/echo`), 'Server.ServerProxy.CertValidation');
  });

  it('a stale OCSP response is refused', async () => {
    net.b.clock.offsetMs = 2 * 3_600_000; // freshness is 3600 s in the configuration
    expectFault(await send(`${SERVICE}/echo`), 'Server.ServerProxy.IncorrectValidationInfo');
  });

  it('an authentication certificate not registered for the calling server is refused', async () => {
    await net.publish((d) => ({ ...d, securityServers: d.securityServers.map((s) => (s.serverCode === 'ssA' ? { ...s, authCertHashes: ['0'.repeat(64)] } : s)) }));
    confChanged = true;
    expectFault(await send(`${SERVICE}/echo`), 'Server.ServerProxy.SslAuthenticationFailed');
  });

  it('an oversized body gets 413', async () => {
    const res = await send(`${SERVICE}/echo`, { method: 'POST', headers: [CLIENT, ['Content-Type', 'application/octet-stream']], body: Buffer.alloc(17 * 1024 * 1024) });
    expectFault(res, 'Client.RequestTooLarge', 413);
  }, 60_000);

  it('provider down and provider too slow', async () => {
    expectFault(await send(`${SERVICE}/down`), 'Server.ServerProxy.NetworkError');
    expectFault(await send(`${SERVICE}/echo/slow`), 'Server.ServerProxy.ServiceFailed.Timeout');
  }, 30_000);

  it('an expired global configuration stops exchange in both directions and exchange resumes with a fresh one', async () => {
    await net.publish((d) => d, 60_000);
    confChanged = true;
    expect((await send(`${SERVICE}/echo`)).status).toBe(200);
    expect((await send('/health')).status).toBe(200);
    net.a.clock.offsetMs = 120_000;
    expectFault(await send(`${SERVICE}/echo`), 'Server.ClientProxy.OutdatedGlobalConf');
    const health = await send('/health');
    expect(health.status).toBe(503);
    expect(health.json()['reason']).toBe('Server.ClientProxy.OutdatedGlobalConf');
    net.a.clock.offsetMs = 0;
    net.b.clock.offsetMs = 120_000;
    expectFault(await send(`${SERVICE}/echo`), 'Server.ServerProxy.OutdatedGlobalConf');
    net.a.clock.offsetMs = 120_000;
    await net.publish((d) => d, 3_600_000);
    expect((await send(`${SERVICE}/echo`)).status).toBe(200);
    expect((await send('/health')).status).toBe(200);
  });
});

describe('logs', () => {
  it('never contain bodies or secrets, and carry the fault id of the wire detail', async () => {
    const secret = 'Bearer SUPER-SECRET-TOKEN-123';
    const bodyMarker = 'BODY-MARKER-XYZZY';
    await send(`${SERVICE}/echo/binary`, { method: 'POST', headers: [CLIENT, ['Authorization', secret]], body: Buffer.from(bodyMarker) });
    const fault = await send(`${SERVICE}/closed`, { method: 'POST', headers: [CLIENT, ['Authorization', secret]], body: Buffer.from(bodyMarker) });
    const detail = String(fault.json()['detail']);
    const all = [...net.a.logLines, ...net.b.logLines].join('');
    expect(all).not.toContain('SUPER-SECRET');
    expect(all).not.toContain(bodyMarker);
    expect(net.b.logLines.some((l) => l.includes(detail) && l.includes('Server.ServerProxy.AccessDenied'))).toBe(true);
    expect(net.a.logLines.some((l) => l.includes(detail))).toBe(true);
  });

  it('at debug, carry one line per exchange on each side with the exchange ids', async () => {
    const res = await send(`${SERVICE}/echo`, { method: 'POST', headers: [CLIENT], body: Buffer.from('{}') });
    expect(res.status).toBe(200);
    const id = String(res.headers['x-road-id']);
    const lines = (side: readonly string[], msg: string) => side.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['msg'] === msg && (l['xroad'] as { id?: string } | undefined)?.id === id);
    const consumer = lines(net.a.logLines, 'exchange done');
    const provider = lines(net.b.logLines, 'served');
    expect(consumer).toHaveLength(1);
    expect(provider).toHaveLength(1);
    expect(consumer[0]).toMatchObject({ status: 200, xroad: { client: 'EE/GOV/1111/consumer' } });
    expect(provider[0]).toMatchObject({ status: 200, xroad: { client: 'EE/GOV/1111/consumer' } });
  });
});
