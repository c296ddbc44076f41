/** The optional stored OpenAPI description of a service survives validation and storage, and is checked. */
import { memberId, serviceId, subsystemId } from '@tonle/protocol';
import { expect, it } from 'vitest';
import { createMemoryServerConfStore, createServerConf, validateServerConfState } from '../../src/server-conf/index.ts';

const provider = subsystemId('EE', 'GOV', '2222', 'population');
const persons = serviceId('EE', 'GOV', '2222', 'population', 'persons');
const document = 'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths: {}\n';

it('keeps openapi through an update and a reload, byte for byte', async () => {
  const store = createMemoryServerConfStore();
  const conf = createServerConf({ store });
  await conf.initialize({ owner: memberId('EE', 'GOV', '2222'), serverCode: 'ss1' });
  await conf.addClient({ id: provider });
  await conf.addService({ id: persons, type: 'OPENAPI3', url: 'http://127.0.0.1:1/' });
  await conf.updateService(persons, { openapi: { format: 'yaml', document, source: 'upload', importedAt: 5 } });
  const reloaded = await createServerConf({ store }).reload();
  expect(reloaded.service(persons)?.openapi).toEqual({ format: 'yaml', document, source: 'upload', importedAt: 5 });
});

it.each([
  [{ format: 'xml', document, source: 's', importedAt: 1 }],
  [{ format: 'json', document: '', source: 's', importedAt: 1 }],
  [{ format: 'json', document: 42, source: 's', importedAt: 1 }],
  [{ format: 'json', document, source: 's', importedAt: -1 }],
  [{ format: 'json', document, importedAt: 1 }],
  ['not an object'],
])('refuses a malformed openapi %j', (openapi) => {
  const state = {
    version: 1,
    owner: memberId('EE', 'GOV', '2222'),
    serverCode: 'ss1',
    clients: [{ id: provider, status: 'REGISTERED', isAuthentication: 'NOSSL', isCertHashes: [] }],
    services: [{ id: persons, type: 'OPENAPI3', url: 'http://127.0.0.1:1/', timeoutSeconds: 60, tlsVerify: true, pinnedCertHashes: [], enabled: true, endpoints: [], openapi }],
    localGroups: [],
    accessRights: [],
  };
  expect(() => validateServerConfState(state)).toThrow(expect.objectContaining({ code: 'TONLE_ERR_SERVERCONF_INVALID_VALUE' }));
  expect(validateServerConfState({ ...state, services: [{ ...state.services[0], openapi: undefined }] }).services[0]?.openapi).toBeUndefined();
});
