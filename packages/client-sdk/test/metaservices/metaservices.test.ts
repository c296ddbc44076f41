import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { memberId, serviceId, subsystemId } from '@tonle/protocol';
import {
  createClient,
  isGatewayError,
  isInvalidResponseError,
  parseListClients,
  parseServiceList,
  type XRoadClient,
} from '@tonle/client-sdk';
import { createMockSecurityServer, type MockSecurityServer } from '@tonle/client-sdk/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLIENT = 'EE/GOV/70000002/benefits';
const PROVIDER = 'EE/GOV/70000001/population';
const OPENAPI = JSON.stringify({ openapi: '3.0.3', info: { title: 'Persons', version: '1' }, paths: {} });

let ss: MockSecurityServer;
let client: XRoadClient;

beforeAll(async () => {
  ss = await createMockSecurityServer({
    clients: [CLIENT],
    members: [
      { id: 'EE/GOV/70000001', name: 'Population Register' },
      { id: 'EE/GOV/70000001/population', name: 'Population Register', subsystemName: 'Persons' },
      { id: CLIENT, name: 'Benefits Board' },
      { id: 'FI/GOV/0245437-2', name: 'Finnish agency' },
    ],
    services: {
      [`${PROVIDER}/persons`]: {
        handler: () => ({ json: {} }),
        endpoints: [
          { method: 'GET', path: '/v1/persons/{id}' },
          { method: 'POST', path: '/v1/persons' },
        ],
        openapi: OPENAPI,
      },
      [`${PROVIDER}/addresses`]: {
        handler: () => ({ json: {} }),
        allowedClients: ['EE/GOV/70000003/other'],
        openapi: { text: 'openapi: 3.0.3\n', contentType: 'application/yaml' },
      },
      [`${PROVIDER}/legacy`]: () => ({ json: {} }),
    },
  });
  client = createClient({ securityServer: ss.url, client: CLIENT });
});

afterAll(async () => {
  await client.close();
  await ss.close();
});

describe('metaservices against the mock security server', () => {
  it('listClients: GET /listClients with Accept JSON, parsed into identifiers', async () => {
    const all = await client.listClients();
    expect(all).toHaveLength(4);
    expect(all[0]).toEqual({ id: memberId('EE', 'GOV', '70000001'), name: 'Population Register', subsystemName: undefined });
    expect(all[1]).toEqual({ id: subsystemId('EE', 'GOV', '70000001', 'population'), name: 'Population Register', subsystemName: 'Persons' });
    const record = ss.requests.at(-1);
    expect(record?.target).toBe('/listClients');
    expect(record?.headers.accept).toBe('application/json');
    expect(record?.headers['x-road-client']).toBeUndefined();
    const fi = await client.listClients({ instance: 'FI' });
    expect(fi.map((c) => c.name)).toEqual(['Finnish agency']);
    expect(ss.requests.at(-1)?.target).toBe('/listClients?xRoadInstance=FI');
  });

  it('listMethods: every REST service of the provider with endpoints', async () => {
    const services = await client.listMethods(PROVIDER);
    expect(ss.requests.at(-1)?.target).toBe(`/r1/${PROVIDER}/listMethods`);
    expect(ss.requests.at(-1)?.headers['x-road-client']).toBe(CLIENT);
    expect(services.map((s) => s.id.serviceCode)).toEqual(['persons', 'addresses', 'legacy']);
    expect(services[0]).toEqual({
      id: serviceId('EE', 'GOV', '70000001', 'population', 'persons'),
      serviceType: 'OPENAPI',
      endpoints: [
        { method: 'GET', path: '/v1/persons/{id}' },
        { method: 'POST', path: '/v1/persons' },
      ],
    });
    expect(services[2]?.serviceType).toBe('REST');
  });

  it('allowedMethods: only what this client may call', async () => {
    const services = await client.allowedMethods(subsystemId('EE', 'GOV', '70000001', 'population'));
    expect(ss.requests.at(-1)?.target).toBe(`/r1/${PROVIDER}/allowedMethods`);
    expect(services.map((s) => s.id.serviceCode)).toEqual(['persons', 'legacy']);
  });

  it('getOpenAPI: the document text and its content type', async () => {
    expect(await client.getOpenAPI(PROVIDER, 'persons')).toEqual({ text: OPENAPI, contentType: 'application/json' });
    expect(ss.requests.at(-1)?.target).toBe(`/r1/${PROVIDER}/getOpenAPI?serviceCode=persons`);
    expect(await client.getOpenAPI(PROVIDER, 'addresses')).toEqual({ text: 'openapi: 3.0.3\n', contentType: 'application/yaml' });
  });

  it('faults become GatewayErrors', async () => {
    const unknown = await client.getOpenAPI(PROVIDER, 'nope').catch((e: unknown) => e);
    expect(isGatewayError(unknown) && unknown.code).toBe('Server.ServerProxy.UnknownService');
    const noDoc = await client.getOpenAPI(PROVIDER, 'legacy').catch((e: unknown) => e);
    expect(isGatewayError(noDoc) && noDoc.code).toBe('Server.ServerProxy.ServiceType');
    const nobody = await client.listMethods('EE/GOV/404/none').catch((e: unknown) => e);
    expect(isGatewayError(nobody) && nobody.code).toBe('Server.ClientProxy.UnknownService');
  });

  it('refuses a provider that is not a subsystem', async () => {
    await expect(client.listMethods('EE/GOV/70000001')).rejects.toBeInstanceOf(TypeError);
    await expect(client.getOpenAPI(PROVIDER, '')).rejects.toBeInstanceOf(TypeError);
  });
});

describe('malformed metaservice answers', () => {
  let raw: Server;
  let body = '';
  let status = 200;
  let rawClient: XRoadClient;

  beforeAll(async () => {
    raw = createServer((_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    rawClient = createClient({ securityServer: `http://127.0.0.1:${(raw.address() as AddressInfo).port}`, client: CLIENT, retry: false });
  });
  afterAll(async () => {
    await rawClient.close();
    raw.closeAllConnections();
    await new Promise((resolve) => raw.close(resolve));
  });

  it.each([
    ['not JSON', 'listClients', '<clientList/>'],
    ['member not an array', 'listClients', '{"member":{}}'],
    ['missing id', 'listClients', '{"member":[{"name":"x"}]}'],
    ['bad object_type', 'listClients', '{"member":[{"id":{"object_type":"SERVICE","xroad_instance":"EE","member_class":"GOV","member_code":"1"},"name":"x"}]}'],
    ['subsystem without code', 'listClients', '{"member":[{"id":{"object_type":"SUBSYSTEM","xroad_instance":"EE","member_class":"GOV","member_code":"1"},"name":"x"}]}'],
    ['control character in an identifier', 'listClients', '{"member":[{"id":{"object_type":"MEMBER","xroad_instance":"E\\u0000E","member_class":"GOV","member_code":"1"},"name":"x"}]}'],
    ['service list not an array', 'listMethods', '{"service":"x"}'],
    ['unknown service type', 'listMethods', '{"service":[{"xroad_instance":"EE","member_class":"GOV","member_code":"1","subsystem_code":"s","service_code":"c","service_type":"GRPC"}]}'],
    ['endpoint without path', 'listMethods', '{"service":[{"xroad_instance":"EE","member_class":"GOV","member_code":"1","subsystem_code":"s","service_code":"c","service_type":"REST","endpoint_list":[{"method":"GET"}]}]}'],
    ['top level array', 'allowedMethods', '[]'],
  ] as const)('%s -> InvalidResponseError', async (_name, which, text) => {
    body = text;
    status = 200;
    const call =
      which === 'listClients' ? rawClient.listClients() : which === 'listMethods' ? rawClient.listMethods(PROVIDER) : rawClient.allowedMethods(PROVIDER);
    const e = await call.catch((error: unknown) => error);
    expect(isInvalidResponseError(e) && e.code).toBe('TONLE_ERR_SDK_INVALID_RESPONSE');
  });

  it('a non-2xx answer without X-Road-Error is an InvalidResponseError with the status', async () => {
    body = '{}';
    status = 404;
    const e = await rawClient.listClients().catch((error: unknown) => error);
    expect(isInvalidResponseError(e) && e.status).toBe(404);
  });
});

describe('metaservice parsers (fuzzed)', () => {
  const anyJson = fc.jsonValue({ maxDepth: 5 });
  const clientLike = fc.record({
    member: fc.array(
      fc.record({
        id: fc.record({
          object_type: fc.constantFrom('MEMBER', 'SUBSYSTEM', 'SERVICE', 7),
          xroad_instance: fc.oneof(fc.string(), fc.constant('EE')),
          member_class: fc.oneof(fc.string(), fc.constant('GOV')),
          member_code: fc.oneof(fc.string(), fc.constant('1')),
          subsystem_code: fc.option(fc.string(), { nil: undefined }),
        }, { requiredKeys: [] }),
        name: fc.oneof(fc.string(), fc.integer()),
        subsystem_name: fc.option(fc.string(), { nil: null }),
      }, { requiredKeys: [] }),
    ),
  });

  function onlyTypedErrors(parse: () => unknown): void {
    try {
      parse();
    } catch (error) {
      expect(isInvalidResponseError(error)).toBe(true);
    }
  }

  it('listClients: any JSON either parses or fails with InvalidResponseError', () => {
    fc.assert(fc.property(fc.oneof(anyJson, clientLike), (value) => onlyTypedErrors(() => parseListClients(value))), { numRuns: 500 });
  });

  it('listMethods: any JSON either parses or fails with InvalidResponseError', () => {
    const serviceLike = fc.record({
      service: fc.array(
        fc.dictionary(
          fc.constantFrom('xroad_instance', 'member_class', 'member_code', 'subsystem_code', 'service_code', 'service_type', 'object_type', 'endpoint_list'),
          fc.oneof(fc.string(), fc.constantFrom('REST', 'OPENAPI', 'SERVICE'), fc.array(fc.record({ method: fc.string(), path: fc.oneof(fc.string(), fc.integer()) }))),
        ),
      ),
    });
    fc.assert(fc.property(fc.oneof(anyJson, serviceLike), (value) => onlyTypedErrors(() => parseServiceList(value))), { numRuns: 500 });
  });

  it('parsed results are well-typed identifiers', () => {
    const parsed = parseServiceList({
      service: [{ xroad_instance: 'EE', member_class: 'GOV', member_code: '1', subsystem_code: 's', service_code: 'c', service_type: 'REST' }],
    });
    expect(parsed).toEqual([{ id: serviceId('EE', 'GOV', '1', 's', 'c'), serviceType: 'REST', endpoints: [] }]);
  });
});
