import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FAULTS, FAULT_CODES, GatewayFault, type FaultCode } from '@tonle/protocol';
import {
  createClient,
  isClientSdkError,
  isGatewayError,
  isProviderError,
  type GatewayError,
  type XRoadClient,
} from '@tonle/client-sdk';
import { createMockSecurityServer, type MockSecurityServer } from '@tonle/client-sdk/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLIENT = 'EE/GOV/70000002/benefits';
const PROVIDER = 'EE/GOV/70000001/population';

let ss: MockSecurityServer;
let client: XRoadClient;
let xmlClient: XRoadClient;

beforeAll(async () => {
  ss = await createMockSecurityServer({
    clients: [CLIENT],
    services: {
      [`${PROVIDER}/fault`]: (req) => {
        throw new GatewayFault(req.path.slice(1) as FaultCode, 'raised by the test', { id: 'fault-id-1' });
      },
      [`${PROVIDER}/crash`]: () => {
        throw new Error('provider crashed');
      },
      [`${PROVIDER}/not-found`]: () => ({ status: 404, json: { error: 'no such person' } }),
      [`${PROVIDER}/teapot`]: () => ({ status: 500, body: 'provider says 500' }),
      [`${PROVIDER}/private`]: { handler: () => ({ json: {} }), allowedClients: ['EE/GOV/70000003/other'] },
    },
  });
  client = createClient({ securityServer: ss.url, client: CLIENT, retry: false });
  xmlClient = createClient({ securityServer: ss.url, client: CLIENT, retry: false, headers: { accept: 'application/xml' } });
});

afterAll(async () => {
  await client.close();
  await xmlClient.close();
  await ss.close();
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

async function gatewayError(c: XRoadClient, service: string, path = ''): Promise<GatewayError> {
  const error = await rejection(c.call({ service, path }));
  if (!isGatewayError(error)) throw new Error(`expected a GatewayError, got ${String(error)}`);
  return error;
}

describe('X-Road faults become GatewayErrors', () => {
  it.each(FAULT_CODES.map((c) => [c]))('%s (JSON body)', async (code) => {
    const e = await gatewayError(client, `${PROVIDER}/fault`, `/${code}`);
    expect(e.kind).toBe('gateway');
    expect(e.code).toBe(code);
    expect(e.wireCode).toBe(code);
    expect(e.status).toBe(FAULTS[code].status);
    expect(e.detail).toBe('fault-id-1');
    expect(e.message).toBe('raised by the test');
    expect(e.xroad.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(isClientSdkError(e)).toBe(true);
  });

  it.each(['Server.ServerProxy.AccessDenied', 'Client.BadRequest', 'Server.ClientProxy.OutdatedGlobalConf'] as const)(
    '%s (XML body when Accept asks for XML)',
    async (code) => {
      const e = await gatewayError(xmlClient, `${PROVIDER}/fault`, `/${code}`);
      expect(e.code).toBe(code);
      expect(e.status).toBe(FAULTS[code].status);
      expect(e.detail).toBe('fault-id-1');
      expect(e.message).toBe('raised by the test');
    },
  );

  it('maps the mock security server own checks', async () => {
    expect((await gatewayError(client, `${PROVIDER}/unknown`)).code).toBe('Server.ServerProxy.UnknownService');
    expect((await gatewayError(client, `${PROVIDER}/private`)).code).toBe('Server.ServerProxy.AccessDenied');
    expect((await gatewayError(client, `${PROVIDER}/crash`)).code).toBe('Server.ServerProxy.ServiceFailed');
    const stranger = createClient({ securityServer: ss.url, client: 'EE/GOV/99/nobody', retry: false });
    try {
      const e = await gatewayError(stranger, `${PROVIDER}/not-found`);
      expect(e.code).toBe('Server.ClientProxy.UnknownMember');
      expect(e.status).toBe(500);
    } finally {
      await stranger.close();
    }
    // A well-formed X-Road-Security-Server passes through to the provider's own 404.
    const routed = await client.call({ service: `${PROVIDER}/not-found`, securityServer: 'EE/GOV/1/ss1' });
    expect(routed.status).toBe(404);
    await routed.dump();
  });

  it('plain HTTP without X-Road-Client gets the mock\'s Client.MissingHeaderField fault', async () => {
    const res = await fetch(`${ss.url}/r1/${PROVIDER}/not-found`);
    expect(res.status).toBe(400);
    expect(res.headers.get('x-road-error')).toBe('Client.MissingHeaderField');
    expect(await res.json()).toMatchObject({ type: 'Client.MissingHeaderField' });
    const wrongVersion = await fetch(`${ss.url}/r2/${PROVIDER}/x`, { headers: { 'x-road-client': CLIENT } });
    expect(wrongVersion.headers.get('x-road-error')).toBe('Client.InvalidProtocolVersion');
    const badPath = await fetch(`${ss.url}/r1/EE/GOV`, { headers: { 'x-road-client': CLIENT } });
    expect(badPath.headers.get('x-road-error')).toBe('Client.InvalidServiceIdentifier');
  });
});

describe('provider errors', () => {
  it('are returned, not thrown, without X-Road-Error (pr-rest 4.6)', async () => {
    const res = await client.call({ service: `${PROVIDER}/not-found` });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'no such person' });
    const five = await client.call({ service: `${PROVIDER}/teapot` });
    expect(five.status).toBe(500);
    expect(await five.text()).toBe('provider says 500');
  });

  it('are thrown as ProviderError with throwOnProviderError', async () => {
    const e = await rejection(client.call({ service: `${PROVIDER}/not-found`, throwOnProviderError: true }));
    expect(isProviderError(e)).toBe(true);
    if (!isProviderError(e)) return;
    expect(e.kind).toBe('provider');
    expect(e.code).toBe('TONLE_ERR_SDK_PROVIDER_ERROR');
    expect(e.status).toBe(404);
    expect(JSON.parse(e.text())).toEqual({ error: 'no such person' });
    expect(e.truncated).toBe(false);
    expect(e.xroad.service?.serviceCode).toBe('not-found');
  });
});

describe('fault parsing from other security servers', () => {
  let raw: Server;
  let url: string;
  let answer: (req: IncomingMessage, res: ServerResponse) => void = () => undefined;

  beforeAll(async () => {
    raw = createServer((req, res) => answer(req, res));
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    raw.closeAllConnections();
    await new Promise((resolve) => raw.close(resolve));
  });

  async function faultFor(status: number, headers: Record<string, string>, body: string): Promise<GatewayError> {
    answer = (_req, res) => {
      res.writeHead(status, headers);
      res.end(body);
    };
    const c = createClient({ securityServer: url, client: CLIENT, retry: false });
    try {
      return await gatewayError(c, `${PROVIDER}/x`);
    } finally {
      await c.close();
    }
  }

  it("normalises X-Road 7.8's lower snake case codes", async () => {
    const e = await faultFor(
      500,
      { 'x-road-error': 'server.serverproxy.access_denied', 'content-type': 'application/json' },
      JSON.stringify({ type: 'server.serverproxy.access_denied', message: 'Request is not allowed', detail: 'd-78' }),
    );
    expect(e.code).toBe('Server.ServerProxy.AccessDenied');
    expect(e.wireCode).toBe('server.serverproxy.access_denied');
    expect(e.detail).toBe('d-78');
    expect((await faultFor(400, { 'x-road-error': 'client.bad_request' }, '')).code).toBe('Client.BadRequest');
    expect((await faultFor(500, { 'x-road-error': 'server.clientproxy.logging_failed.timestamper_failed' }, '')).code).toBe(
      'Server.ClientProxy.LoggingFailed.TimestamperFailed',
    );
  });

  it("retries a GET after X-Road 7.8's server.clientproxy.network_error", async () => {
    let calls = 0;
    answer = (_req, res) => {
      calls += 1;
      if (calls === 1) {
        res.writeHead(500, { 'x-road-error': 'server.clientproxy.network_error' });
        res.end('{"type":"server.clientproxy.network_error","message":"m","detail":"d"}');
      } else {
        res.end('ok');
      }
    };
    const c = createClient({ securityServer: url, client: CLIENT, retry: { minDelayMs: 1 } });
    try {
      expect(await (await c.call({ service: `${PROVIDER}/x` })).text()).toBe('ok');
      expect(calls).toBe(2);
    } finally {
      await c.close();
    }
  });

  it('keeps unknown codes as Unrecognized with the wire code', async () => {
    const e = await faultFor(500, { 'x-road-error': 'Server.ClientProxy.IOError' }, 'not json');
    expect(e.code).toBe('Unrecognized');
    expect(e.wireCode).toBe('Server.ClientProxy.IOError');
    expect(e.detail).toBeUndefined();
    expect(e.status).toBe(500);
  });

  it('uses the catalog message when the body is empty or malformed, and the header code over the body type', async () => {
    const e = await faultFor(500, { 'x-road-error': 'Server.ServerProxy.ServiceFailed' }, '{"type":"Client.BadRequest"');
    expect(e.code).toBe('Server.ServerProxy.ServiceFailed');
    expect(e.message).toBe(FAULTS['Server.ServerProxy.ServiceFailed'].message);
  });

  it('reads XML fault bodies with entities', async () => {
    const e = await faultFor(
      500,
      { 'x-road-error': 'Server.ServerProxy.AccessDenied', 'content-type': 'text/xml' },
      '<?xml version="1.0"?><error><type>Server.ServerProxy.AccessDenied</type><message>a &lt;b&gt; &amp; &#39;c&#x27;</message><detail>x-1</detail></error>',
    );
    expect(e.message).toBe("a <b> & 'c'");
    expect(e.detail).toBe('x-1');
  });

  it('never treats a fault-shaped body without X-Road-Error as a fault', async () => {
    answer = (_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ type: 'Server.ServerProxy.AccessDenied', message: 'm', detail: 'd' }));
    };
    const c = createClient({ securityServer: url, client: CLIENT, retry: false });
    try {
      const res = await c.call({ service: `${PROVIDER}/x` });
      expect(res.status).toBe(500);
      await res.dump();
    } finally {
      await c.close();
    }
  });
});
