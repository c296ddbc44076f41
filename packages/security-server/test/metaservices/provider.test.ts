/**
 * The provider-side metaservices over a real server-conf snapshot: X-Road's JSON field names and order
 * (pr-mrest Annex B), allowedMethods by service-level, endpoint-level, global-group and local-group rights,
 * metaservice codes never listed, getOpenAPI byte for byte and its faults.
 */
import { GatewayFault, describeId, globalGroupId, localGroupId, memberId, serviceId, subsystemId } from '@tonle/protocol';
import type { ClientId, GlobalGroupId } from '@tonle/protocol';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { GlobalGroupMembership } from '../../src/access-control/index.ts';
import { faultOf } from './fault-of.ts';
import { answerProviderMetaservice, isMetaservice, isMetaserviceCall } from '../../src/metaservices/index.ts';
import { createMemoryServerConfStore, createServerConf, type ServerConfSnapshot } from '../../src/server-conf/index.ts';

const provider = subsystemId('EE', 'GOV', '2222', 'population');
const persons = serviceId('EE', 'GOV', '2222', 'population', 'persons');
const stats = serviceId('EE', 'GOV', '2222', 'population', 'stats');
const spec = serviceId('EE', 'GOV', '2222', 'population', 'spec');
const elsewhere = subsystemId('EE', 'GOV', '2222', 'archive');
const hidden = serviceId('EE', 'GOV', '2222', 'archive', 'files');

const endpointOnly = subsystemId('EE', 'GOV', '1111', 'benefits');
const serviceLevel = subsystemId('EE', 'GOV', '1111', 'tax');
const viaGlobal = subsystemId('FI', 'COM', '3333', 'partner');
const viaLocal = subsystemId('EE', 'COM', '4444', 'clinic');
const nobody = subsystemId('EE', 'COM', '5555', 'stranger');
const friends = globalGroupId('EE', 'friends');

const globalGroups: GlobalGroupMembership = {
  isMemberOf: (client: ClientId, group: GlobalGroupId) => describeId(group) === describeId(friends) && describeId(client) === describeId(viaGlobal),
};

// Odd spacing, key order, non-ASCII and no trailing newline: anything re-serialised would differ.
const JSON_DOC = '{ "openapi":"3.0.3",\n  "info": {"title":"Väestö — persons","version":"1"} ,"paths":{} }';
const YAML_DOC = "openapi: 3.0.3\ninfo:\n  title: 'Stats: ñ'   # comment kept\n  version: \"2\"\npaths: {}\n";

let snapshot: ServerConfSnapshot;

beforeAll(async () => {
  const conf = createServerConf({ store: createMemoryServerConfStore() });
  await conf.initialize({ owner: memberId('EE', 'GOV', '2222'), serverCode: 'ss-population' });
  await conf.addClient({ id: provider, status: 'REGISTERED' });
  await conf.addClient({ id: elsewhere, status: 'REGISTERED' });
  await conf.addService({
    id: persons,
    type: 'OPENAPI3',
    url: 'http://127.0.0.1:1/',
    endpoints: [
      { method: 'GET', path: '/persons' },
      { method: 'GET', path: '/persons/*' },
      { method: 'POST', path: '/persons' },
      { method: '*', path: '/admin/**' },
      { method: 'GET', path: '/admin/users' },
      { method: '*', path: '**' },
    ],
  });
  await conf.updateService(persons, { openapi: { format: 'json', document: JSON_DOC, source: 'http://127.0.0.1:1/openapi.json', importedAt: 1 } });
  await conf.addService({ id: stats, type: 'OPENAPI3', url: 'http://127.0.0.1:1/', enabled: false, endpoints: [{ method: 'GET', path: '/stats' }] });
  await conf.updateService(stats, { openapi: { format: 'yaml', document: YAML_DOC, source: 'upload', importedAt: 2 } });
  await conf.addService({ id: spec, url: 'http://127.0.0.1:1/' });
  // A service named like a metaservice cannot exist (reserved codes, server-conf refuses it).
  await expect(conf.addService({ id: serviceId('EE', 'GOV', '2222', 'population', 'listMethods'), url: 'http://127.0.0.1:1/' })).rejects.toMatchObject({ code: 'TONLE_ERR_SERVERCONF_RESERVED_SERVICE_CODE' });
  await conf.addService({ id: hidden, url: 'http://127.0.0.1:1/' });
  await conf.addLocalGroup({ owner: provider, code: 'clinics', members: [viaLocal] });
  await conf.grantAccess({ service: persons, subject: endpointOnly, endpoint: { method: 'GET', path: '/persons/*' } });
  await conf.grantAccess({ service: persons, subject: serviceLevel });
  await conf.grantAccess({ service: spec, subject: serviceLevel });
  await conf.grantAccess({ service: persons, subject: friends, endpoint: { method: 'POST', path: '/persons' } });
  await conf.grantAccess({ service: persons, subject: localGroupId('clinics'), endpoint: { method: '*', path: '/admin/**' } });
  await conf.grantAccess({ service: stats, subject: viaLocal });
  snapshot = conf.current();
});

function ask(serviceCode: string, client: ClientId, query?: string) {
  return answerProviderMetaservice({ serviceCode, provider, client, query, snapshot, globalGroups });
}

function listed(serviceCode: 'listMethods' | 'allowedMethods', client: ClientId) {
  const answer = ask(serviceCode, client);
  expect(answer.status).toBe(200);
  expect(answer.headers).toEqual([['content-type', 'application/json']]);
  return JSON.parse(answer.body.toString('utf8')) as { service: { service_code: string; endpoint_list: { method: string; path: string }[] }[] };
}

const endpoints = (list: ReturnType<typeof listed>) => Object.fromEntries(list.service.map((s) => [s.service_code, s.endpoint_list.map((e) => `${e.method} ${e.path}`)]));

describe('metaservice codes', () => {
  it('are listMethods, allowedMethods and getOpenAPI, answered for GET only', () => {
    expect(['listMethods', 'allowedMethods', 'getOpenAPI', 'listClients', 'persons', 'ListMethods'].map(isMetaservice)).toEqual([true, true, true, false, false, false]);
    expect(isMetaserviceCall('GET', 'listMethods')).toBe(true);
    expect(isMetaserviceCall('POST', 'listMethods')).toBe(false);
    expect(isMetaserviceCall('HEAD', 'getOpenAPI')).toBe(false);
  });
});

describe('listMethods', () => {
  it("has X-Road's JSON field names in X-Road's order and lists every service and endpoint of the provider only", () => {
    const answer = listed('listMethods', nobody);
    expect(Object.keys(answer)).toEqual(['service']);
    const first = answer.service[0] as unknown as Record<string, unknown>;
    expect(Object.keys(first)).toEqual(['member_class', 'member_code', 'object_type', 'service_code', 'service_type', 'subsystem_code', 'xroad_instance', 'endpoint_list']);
    expect(answer.service[0]).toEqual({
      member_class: 'GOV', member_code: '2222', object_type: 'SERVICE', service_code: 'persons', service_type: 'OPENAPI',
      subsystem_code: 'population', xroad_instance: 'EE',
      endpoint_list: [
        { method: 'GET', path: '/persons' },
        { method: 'GET', path: '/persons/*' },
        { method: 'POST', path: '/persons' },
        { method: '*', path: '/admin/**' },
        { method: 'GET', path: '/admin/users' },
      ],
    });
    // The base endpoint (* **) stands for the whole service and is not listed; disabled services are (as X-Road);
    // the archive subsystem's service is not; a service that took a metaservice code never is.
    expect(endpoints(answer)).toEqual({
      persons: ['GET /persons', 'GET /persons/*', 'POST /persons', '* /admin/**', 'GET /admin/users'],
      stats: ['GET /stats'],
      spec: [],
    });
    expect(answer.service.map((s) => (s as unknown as { service_type: string }).service_type)).toEqual(['OPENAPI', 'OPENAPI', 'REST']);
  });

  it('answers UnknownMember for a provider that is not a registered client here', () => {
    const answer = () => answerProviderMetaservice({ serviceCode: 'listMethods', provider: subsystemId('EE', 'GOV', '9999', 'ghost'), client: nobody, query: undefined, snapshot, globalGroups });
    expect(faultOf(answer)).toEqual({ code: 'Server.ServerProxy.UnknownMember', status: 500 });
  });
});

describe('allowedMethods', () => {
  it('an endpoint-level right lists exactly that endpoint', () => {
    expect(endpoints(listed('allowedMethods', endpointOnly))).toEqual({ persons: ['GET /persons/*'] });
  });

  it('a service-level right lists every endpoint of the service (and a service without endpoints, empty)', () => {
    expect(endpoints(listed('allowedMethods', serviceLevel))).toEqual({
      persons: ['GET /persons', 'GET /persons/*', 'POST /persons', '* /admin/**', 'GET /admin/users'],
      spec: [],
    });
  });

  it('a global group right counts for its members', () => {
    expect(endpoints(listed('allowedMethods', viaGlobal))).toEqual({ persons: ['POST /persons'] });
  });

  it("a local group right of the provider counts for its members; a glob right lists the endpoints it covers", () => {
    expect(endpoints(listed('allowedMethods', viaLocal))).toEqual({ persons: ['* /admin/**', 'GET /admin/users'], stats: ['GET /stats'] });
  });

  it('a caller without rights gets an empty list, not a fault', () => {
    expect(listed('allowedMethods', nobody)).toEqual({ service: [] });
  });
});

describe('getOpenAPI', () => {
  it('returns a JSON description byte for byte with application/json', () => {
    const answer = ask('getOpenAPI', endpointOnly, 'serviceCode=persons');
    expect(answer.status).toBe(200);
    expect(answer.headers).toEqual([['content-type', 'application/json']]);
    expect(answer.body.equals(Buffer.from(JSON_DOC, 'utf8'))).toBe(true);
  });

  it('returns a YAML description byte for byte with application/yaml (RFC 9512); the parameter name is case-insensitive', () => {
    const answer = ask('getOpenAPI', viaLocal, 'x=1&ServiceCode=persons&servicecode=stats');
    expect(answer.headers).toEqual([['content-type', 'application/yaml']]);
    expect(answer.body.equals(Buffer.from(YAML_DOC, 'utf8'))).toBe(true);
  });

  it.each([
    [undefined, 'Server.ServerProxy.InvalidRequest'],
    ['serviceCode=', 'Server.ServerProxy.InvalidRequest'],
    ['other=persons', 'Server.ServerProxy.InvalidRequest'],
    ['serviceCode=a%01b', 'Server.ServerProxy.InvalidRequest'],
    [`serviceCode=${'x'.repeat(256)}`, 'Server.ServerProxy.InvalidRequest'],
    ['serviceCode=nosuch', 'Server.ServerProxy.UnknownService'],
    ['serviceCode=listMethods', 'Server.ServerProxy.UnknownService'],
    ['serviceCode=files', 'Server.ServerProxy.UnknownService'],
  ])('query %s is refused with %s', (query, code) => {
    expect(faultOf(() => ask('getOpenAPI', serviceLevel, query))).toEqual({ code, status: 500 });
  });

  it('refuses a caller without any right on the service (AccessDenied), before telling what kind of service it is', () => {
    expect(faultOf(() => ask('getOpenAPI', nobody, 'serviceCode=persons'))).toEqual({ code: 'Server.ServerProxy.AccessDenied', status: 500 });
    expect(faultOf(() => ask('getOpenAPI', nobody, 'serviceCode=spec'))).toEqual({ code: 'Server.ServerProxy.AccessDenied', status: 500 });
    expect(faultOf(() => ask('getOpenAPI', endpointOnly, 'serviceCode=stats'))).toEqual({ code: 'Server.ServerProxy.AccessDenied', status: 500 });
  });

  it('answers ServiceType for a REST service without an OpenAPI description', () => {
    expect(faultOf(() => ask('getOpenAPI', serviceLevel, 'serviceCode=spec'))).toEqual({ code: 'Server.ServerProxy.ServiceType', status: 500 });
  });

  it('any query string gives the description or a catalog fault, never another error', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (query) => {
        try {
          ask('getOpenAPI', serviceLevel, query);
        } catch (error) {
          expect(GatewayFault.is(error)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});

it('misuse (a service code that is not a metaservice) is a TypeError', () => {
  expect(() => ask('persons', nobody)).toThrow(TypeError);
});
