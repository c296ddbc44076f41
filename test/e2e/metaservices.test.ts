/**
 * Metaservices through two security servers over real sockets (pr-meta §2, pr-mrest §4-5): listMethods,
 * allowedMethods and getOpenAPI travel signed and logged like any message and are answered by the provider's
 * security server; listClients is answered by the consumer's client proxy from the global configuration.
 * The consumer is granted one endpoint of `persons`: it sees exactly that in allowedMethods, every endpoint in
 * listMethods, gets the stored description from getOpenAPI, and is refused on the other endpoints.
 */
import { createClient } from '@tonle/client-sdk';
import { serviceId } from '@tonle/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type Answer } from './support/http.ts';
import { CONSUMER, startNetwork, type Network } from './support/network.ts';

let net: Network;
const persons = serviceId('EE', 'GOV', '2222', 'provider', 'persons');
const PROVIDER = '/r1/EE/GOV/2222/provider';
const CLIENT: [string, string] = ['X-Road-Client', 'EE/GOV/1111/consumer'];
// Stored as imported; odd spacing and non-ASCII prove nothing re-serialises it on the way.
const DOCUMENT = '{"openapi": "3.0.3",  "info": {"title": "Persons — väestö", "version": "1"},\n "paths": {"/persons/{id}": {"get": {}}}}';

beforeAll(async () => {
  net = await startNetwork();
  await net.b.serverConf.addService({
    id: persons,
    type: 'OPENAPI3',
    url: `${net.provider.url}/`,
    timeoutSeconds: 5,
    endpoints: [
      { method: 'GET', path: '/persons' },
      { method: 'GET', path: '/persons/*' },
      { method: 'POST', path: '/persons' },
    ],
  });
  await net.b.serverConf.updateService(persons, { openapi: { format: 'json', document: DOCUMENT, source: 'http://127.0.0.1:1/openapi.json', importedAt: 1 } });
  await net.b.serverConf.grantAccess({ service: persons, subject: CONSUMER, endpoint: { method: 'GET', path: '/persons/*' } });
}, 180_000);
afterAll(async () => net?.close());

function send(path: string, headers: [string, string][] = [CLIENT], method = 'GET'): Promise<Answer> {
  return call(`${net.url}${path}`, { method, headers });
}

function expectFault(res: Answer, code: string, status = code.startsWith('Client.') ? 400 : 500): void {
  expect({ status: res.status, error: res.headers['x-road-error'], type: res.json()['type'] }).toEqual({ status, error: code, type: code });
}

type ServiceList = { service: { service_code: string; endpoint_list: { method: string; path: string }[] }[] };
const endpoints = (list: ServiceList) => Object.fromEntries(list.service.map((s) => [s.service_code, s.endpoint_list.map((e) => `${e.method} ${e.path}`)]));

describe('metaservices through two security servers', () => {
  it('allowedMethods shows exactly the one granted endpoint; listMethods shows them all', async () => {
    const allowed = await send(`${PROVIDER}/allowedMethods`, [CLIENT, ['X-Road-Id', 'meta-allowed-1']]);
    expect(allowed.status).toBe(200);
    expect(allowed.headers['content-type']).toBe('application/json');
    expect(allowed.headers['x-road-service']).toBe('EE/GOV/2222/provider/allowedMethods');
    expect(allowed.headers['x-road-request-hash']).toMatch(/^[A-Za-z0-9+/]{86}==$/);
    // echo, off and down are granted service-wide (and have no endpoints); closed is not granted.
    expect(endpoints(allowed.json() as ServiceList)).toEqual({ echo: [], off: [], down: [], persons: ['GET /persons/*'] });

    const all = await send(`${PROVIDER}/listMethods`);
    expect(all.status).toBe(200);
    const list = all.json() as ServiceList;
    expect(endpoints(list)).toEqual({ echo: [], closed: [], off: [], down: [], persons: ['GET /persons', 'GET /persons/*', 'POST /persons'] });
    expect(list.service.at(-1)).toEqual({
      member_class: 'GOV', member_code: '2222', object_type: 'SERVICE', service_code: 'persons', service_type: 'OPENAPI',
      subsystem_code: 'provider', xroad_instance: 'EE',
      endpoint_list: [{ method: 'GET', path: '/persons' }, { method: 'GET', path: '/persons/*' }, { method: 'POST', path: '/persons' }],
    });
  });

  it('the granted endpoint answers, the others are refused with AccessDenied', async () => {
    const ok = await send(`${PROVIDER}/persons/persons/42`);
    expect(ok.status).toBe(200);
    expect(ok.headers['x-provider']).toBe('yes');
    expect(ok.json()['url']).toBe('/persons/42');
    expectFault(await send(`${PROVIDER}/persons/persons`), 'Server.ServerProxy.AccessDenied');
    expectFault(await send(`${PROVIDER}/persons/persons`, [CLIENT], 'POST'), 'Server.ServerProxy.AccessDenied');
    expectFault(await send(`${PROVIDER}/persons/persons/42`, [CLIENT], 'DELETE'), 'Server.ServerProxy.AccessDenied');
  });

  it('getOpenAPI returns the stored description byte for byte, signed and logged on both sides', async () => {
    const res = await send(`${PROVIDER}/getOpenAPI?serviceCode=persons`, [CLIENT, ['X-Road-Id', 'meta-openapi-1']]);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.body.equals(Buffer.from(DOCUMENT, 'utf8'))).toBe(true);
    // Answered by the provider's security server: the test information system marks all its answers x-provider.
    expect(res.headers['x-provider']).toBeUndefined();
    expect(res.headers['x-road-service']).toBe('EE/GOV/2222/provider/getOpenAPI');
    const kinds = (side: Network['a']) => side.messageLog.records.filter((r) => r.xRoadId === 'meta-openapi-1').map((r) => `${r.side}:${r.kind}:${r.signedBy}`);
    expect(kinds(net.a)).toEqual(['client:request:self', 'client:response:peer']);
    expect(kinds(net.b)).toEqual(['server:request:peer', 'server:response:self']);
  });

  it('getOpenAPI faults: no serviceCode, unknown service, REST service without a description, no access', async () => {
    expectFault(await send(`${PROVIDER}/getOpenAPI`), 'Server.ServerProxy.InvalidRequest');
    expectFault(await send(`${PROVIDER}/getOpenAPI?serviceCode=nosuch`), 'Server.ServerProxy.UnknownService');
    expectFault(await send(`${PROVIDER}/getOpenAPI?serviceCode=echo`), 'Server.ServerProxy.ServiceType');
    const denied = await send(`${PROVIDER}/getOpenAPI?serviceCode=closed`, [CLIENT, ['X-Road-Id', 'meta-denied-1']]);
    expectFault(denied, 'Server.ServerProxy.AccessDenied');
    const refusals = (side: Network['a']) => side.messageLog.records.filter((r) => r.xRoadId === 'meta-denied-1' && r.kind === 'refusal').map((r) => r.faultCode);
    expect(refusals(net.a)).toEqual(['Server.ServerProxy.AccessDenied']);
    expect(refusals(net.b)).toEqual(['Server.ServerProxy.AccessDenied']);
    // Only GET is a metaservice (as X-Road); any other method meets no service of that name.
    expectFault(await send(`${PROVIDER}/listMethods`, [CLIENT], 'POST'), 'Server.ServerProxy.UnknownService');
  });

  it("listClients lists the configuration's members and subsystems, JSON or XML, with no X-Road-Client", async () => {
    const res = await send('/listClients', [['Accept', 'application/json']]);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json;charset=utf-8');
    expect(res.json()).toEqual({
      member: [
        { id: { member_class: 'GOV', member_code: '1111', object_type: 'MEMBER', xroad_instance: 'EE' }, name: 'Consumer agency' },
        { id: { member_class: 'GOV', member_code: '1111', subsystem_code: 'consumer', object_type: 'SUBSYSTEM', xroad_instance: 'EE' }, name: 'Consumer agency' },
        { id: { member_class: 'GOV', member_code: '2222', object_type: 'MEMBER', xroad_instance: 'EE' }, name: 'Provider agency' },
        { id: { member_class: 'GOV', member_code: '2222', subsystem_code: 'provider', object_type: 'SUBSYSTEM', xroad_instance: 'EE' }, name: 'Provider agency' },
      ],
    });
    const xml = await send('/listClients?xRoadInstance=EE', []);
    expect(xml.status).toBe(200);
    expect(xml.headers['content-type']).toBe('text/xml;charset=utf-8');
    expect(xml.body.toString()).toContain('<ns1:subsystemCode>provider</ns1:subsystemCode>');
    expectFault(await send('/listClients?xRoadInstance=FI', [['Accept', 'application/json']]), 'Client.BadRequest');
  });

  it('the client SDK reads all four answers', async () => {
    const client = createClient({ securityServer: net.url, client: 'EE/GOV/1111/consumer', retry: false });
    try {
      expect((await client.listClients()).map((c) => c.name)).toEqual(['Consumer agency', 'Consumer agency', 'Provider agency', 'Provider agency']);
      const allowed = await client.allowedMethods('EE/GOV/2222/provider');
      expect(allowed.find((s) => s.id.serviceCode === 'persons')?.endpoints).toEqual([{ method: 'GET', path: '/persons/*' }]);
      expect((await client.listMethods('EE/GOV/2222/provider')).map((s) => s.id.serviceCode)).toEqual(['echo', 'closed', 'off', 'down', 'persons']);
      const openapi = await client.getOpenAPI('EE/GOV/2222/provider', 'persons');
      expect(openapi.text).toBe(DOCUMENT);
    } finally {
      await client.close();
    }
  });
});
