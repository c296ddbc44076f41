import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import fc from 'fast-check';
import Fastify, { type FastifyInstance } from 'fastify';
import { subsystemId } from '@tonle/protocol';
import {
  XRoadContextRejection,
  createXRoadContextReader,
  readXRoadContext,
  sendXRoadRejection,
  type XRoadContextOptions,
} from '@tonle/client-sdk';
import { xroadContext } from '@tonle/client-sdk/fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

function fakeRequest(headers: Record<string, string>, remoteAddress = '127.0.0.1'): Pick<IncomingMessage, 'headers' | 'socket'> {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { headers: lower, socket: { remoteAddress } as Socket };
}

const viaSecurityServer = (): { 'X-Road-Client': string; 'X-Road-Id': string; 'X-Road-Request-Id': string } => ({
  'X-Road-Client': 'EE/GOV/70000002/benefits',
  'X-Road-Id': 'EE-3f0a9c1e-0000-4000-8000-000000000001',
  'X-Road-Request-Id': randomUUID(),
});

function rejectionOf(fn: () => unknown): XRoadContextRejection {
  try {
    fn();
  } catch (error) {
    if (error instanceof XRoadContextRejection) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('readXRoadContext', () => {
  it('reads every X-Road header into a typed context', () => {
    const headers = {
      ...viaSecurityServer(),
      'X-Road-UserId': 'EE38001010000',
      'X-Road-Issue': 'case-42',
      'X-Road-Represented-Party': 'COM/12345',
      'X-Road-Service': 'EE/GOV/70000001/population/persons',
    };
    const context = readXRoadContext(fakeRequest(headers), { requireSecurityServer: true });
    expect(context).toEqual({
      client: subsystemId('EE', 'GOV', '70000002', 'benefits'),
      service: { type: 'SERVICE', instance: 'EE', memberClass: 'GOV', memberCode: '70000001', subsystemCode: 'population', serviceCode: 'persons' },
      id: headers['X-Road-Id'],
      requestId: headers['X-Road-Request-Id'],
      userId: 'EE38001010000',
      issue: 'case-42',
      representedParty: { partyClass: 'COM', partyCode: '12345' },
    });
  });

  it('returns undefined without X-Road-Client when the security server is not required', () => {
    expect(readXRoadContext(fakeRequest({}))).toBeUndefined();
  });

  it('still refuses a malformed X-Road-Client when not required (fail closed)', () => {
    expect(rejectionOf(() => readXRoadContext(fakeRequest({ 'X-Road-Client': 'EE/GOV' }))).code).toBe('Client.InvalidClientIdentifier');
  });

  it.each([
    ['missing X-Road-Client', { 'X-Road-Client': undefined }, 'Client.MissingHeaderField', 400],
    ['malformed X-Road-Client', { 'X-Road-Client': 'EE/GOV/1/a/b/c' }, 'Client.InvalidClientIdentifier', 400],
    ['missing X-Road-Id', { 'X-Road-Id': undefined }, 'Client.MissingHeaderField', 400],
    ['missing X-Road-Request-Id', { 'X-Road-Request-Id': undefined }, 'Client.MissingHeaderField', 400],
    ['X-Road-Request-Id not a UUID', { 'X-Road-Request-Id': 'abc' }, 'Client.BadRequest', 400],
    ['malformed X-Road-Service', { 'X-Road-Service': 'EE/GOV' }, 'Client.InvalidServiceIdentifier', 400],
    ['malformed represented party', { 'X-Road-Represented-Party': 'a/b/c' }, 'Client.BadRequest', 400],
  ] as const)('requireSecurityServer: %s -> %s %i', (_name, change, code, status) => {
    const headers: Record<string, string> = { ...viaSecurityServer() };
    for (const [k, v] of Object.entries(change)) {
      if (v === undefined) delete headers[k];
      else headers[k] = v;
    }
    const e = rejectionOf(() => readXRoadContext(fakeRequest(headers), { requireSecurityServer: true }));
    expect(e.code).toBe(code);
    expect(e.status).toBe(status);
    const response = e.toResponse('application/json');
    expect(response.status).toBe(status);
    expect(response.headers['X-Road-Error']).toBe(code);
    expect(JSON.parse(response.body)).toEqual({ type: code, message: e.message, detail: e.id });
  });

  it('checks the TCP peer against trustedProxies (addresses, CIDR ranges, IPv4-mapped IPv6)', () => {
    const read = createXRoadContextReader({ requireSecurityServer: true, trustedProxies: ['10.1.2.3', '192.168.0.0/16', '::1'] });
    expect(read(fakeRequest(viaSecurityServer(), '10.1.2.3'))?.client.memberCode).toBe('70000002');
    expect(read(fakeRequest(viaSecurityServer(), '::ffff:192.168.77.1'))).toBeDefined();
    expect(read(fakeRequest(viaSecurityServer(), '::1'))).toBeDefined();
    for (const address of ['10.1.2.4', '127.0.0.1', '::2', 'garbage']) {
      const e = rejectionOf(() => read(fakeRequest(viaSecurityServer(), address)));
      expect(e.code).toBe('Client.UntrustedSource');
      expect(e.status).toBe(403);
    }
    // An untrusted peer is refused even with every header right, and even when not otherwise required.
    expect(rejectionOf(() => readXRoadContext(fakeRequest({}, '10.9.9.9'), { trustedProxies: ['10.1.2.3'] })).status).toBe(403);
  });

  it('refuses malformed trustedProxies at configuration time', () => {
    for (const bad of ['10.0.0', 'example.org', '10.0.0.0/33', '::/129', '10.0.0.0/8/1', '10.0.0.0/x']) {
      expect(() => createXRoadContextReader({ trustedProxies: [bad] })).toThrow(TypeError);
    }
  });

  it('never throws anything but a rejection for arbitrary header values (fuzzed)', () => {
    const value = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('EE/GOV/1', 'EE/GOV/1/sub', '%', '%zz/a/b'));
    fc.assert(
      fc.property(
        fc.record({ 'X-Road-Client': value, 'X-Road-Id': value, 'X-Road-Request-Id': value, 'X-Road-Service': value, 'X-Road-Represented-Party': value }, { requiredKeys: [] }),
        fc.boolean(),
        (headers, required) => {
          try {
            readXRoadContext(fakeRequest(headers), { requireSecurityServer: required });
          } catch (error) {
            expect(error).toBeInstanceOf(XRoadContextRejection);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('plain node:http helper over real sockets', () => {
  let server: Server;
  let url: string;
  const options: XRoadContextOptions = { requireSecurityServer: true, trustedProxies: ['127.0.0.1'] };

  beforeAll(async () => {
    const read = createXRoadContextReader(options);
    server = createServer((req, res) => {
      let context;
      try {
        context = read(req);
      } catch (error) {
        if (error instanceof XRoadContextRejection) return sendXRoadRejection(res, error, req.headers.accept);
        throw error;
      }
      res.end(JSON.stringify({ caller: context?.client }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('serves calls with the X-Road headers and refuses others, fault-shaped, JSON or XML', async () => {
    const ok = await fetch(`${url}/v1/x`, { headers: viaSecurityServer() });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ caller: subsystemId('EE', 'GOV', '70000002', 'benefits') });
    const bad = await fetch(`${url}/v1/x`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('x-road-error')).toBe('Client.MissingHeaderField');
    expect(await bad.json()).toMatchObject({ type: 'Client.MissingHeaderField' });
    const xml = await fetch(`${url}/v1/x`, { headers: { accept: 'application/xml' } });
    expect(xml.headers.get('content-type')).toContain('application/xml');
    expect(await xml.text()).toContain('<type>Client.MissingHeaderField</type>');
  });
});

describe('fastify plugin', () => {
  async function app(options: XRoadContextOptions): Promise<{ app: FastifyInstance; url: string }> {
    const instance = Fastify();
    await instance.register(xroadContext, options);
    instance.get('/v1/whoami', async (request) => ({ xroad: request.xroad ?? null }));
    const address = await instance.listen({ port: 0, host: '127.0.0.1' });
    return { app: instance, url: address };
  }

  it('decorates request.xroad for the whole app (not encapsulated)', async () => {
    const { app: a, url } = await app({ requireSecurityServer: true, trustedProxies: ['127.0.0.0/8'] });
    try {
      const headers = { ...viaSecurityServer(), 'X-Road-UserId': 'EE1' };
      const res = await fetch(`${url}/v1/whoami`, { headers });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { xroad: { client: unknown; userId: string; requestId: string } };
      expect(body.xroad.client).toEqual(subsystemId('EE', 'GOV', '70000002', 'benefits'));
      expect(body.xroad.userId).toBe('EE1');
      expect(body.xroad.requestId).toBe(headers['X-Road-Request-Id']);
    } finally {
      await a.close();
    }
  });

  it('refuses calls without the security server headers with 400 and untrusted peers with 403', async () => {
    const { app: a, url } = await app({ requireSecurityServer: true });
    const { app: b, url: untrustedUrl } = await app({ requireSecurityServer: true, trustedProxies: ['10.0.0.0/8'] });
    try {
      const missing = await fetch(`${url}/v1/whoami`, { headers: { 'X-Road-Client': 'EE/GOV/1/x' } });
      expect(missing.status).toBe(400);
      expect(missing.headers.get('x-road-error')).toBe('Client.MissingHeaderField');
      expect(await missing.json()).toMatchObject({ type: 'Client.MissingHeaderField' });
      const untrusted = await fetch(`${untrustedUrl}/v1/whoami`, { headers: viaSecurityServer() });
      expect(untrusted.status).toBe(403);
      expect(untrusted.headers.get('x-road-error')).toBe('Client.UntrustedSource');
      // X-Forwarded-For is not believed.
      const spoofed = await fetch(`${untrustedUrl}/v1/whoami`, { headers: { ...viaSecurityServer(), 'X-Forwarded-For': '10.0.0.1' } });
      expect(spoofed.status).toBe(403);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('leaves request.xroad undefined for plain calls when not required', async () => {
    const { app: a, url } = await app({});
    try {
      expect(await (await fetch(`${url}/v1/whoami`)).json()).toEqual({ xroad: null });
    } finally {
      await a.close();
    }
  });
});
