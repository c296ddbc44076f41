// One suite for every ServerConfStore adapter (architecture §8: both adapters pass the same tests).
import { globalGroupId, localGroupId, memberId, serviceId, subsystemId } from '@tonle/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import { createServerConf, type ServerConf, type ServerConfStore } from '../../src/server-conf/index.ts';

export const owner = memberId('EE', 'GOV', '1234');
export const provider = subsystemId('EE', 'GOV', '1234', 'prov');
export const consumer = subsystemId('EE', 'COM', '777', 'cons');
export const pets = serviceId('EE', 'GOV', '1234', 'prov', 'pets');

async function code(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
}

export function serverConfStoreSuite(name: string, makeStore: () => Promise<ServerConfStore>): void {
  describe(`ServerConf over ${name}`, () => {
    let store: ServerConfStore;
    let conf: ServerConf;

    beforeEach(async () => {
      store = await makeStore();
      conf = createServerConf({ store });
      await conf.initialize({ owner, serverCode: 'ss1' });
    });

    it('initialises once and reloads what was stored', async () => {
      expect(await code(conf.initialize({ owner, serverCode: 'ss1' }))).toBe('TONLE_ERR_SERVERCONF_ALREADY_INITIALIZED');
      await conf.addClient({ id: provider, isAuthentication: 'SSLNOAUTH' });
      const other = createServerConf({ store });
      expect(() => other.current()).toThrow(expect.objectContaining({ code: 'TONLE_ERR_SERVERCONF_NOT_INITIALIZED' }));
      const snap = await other.reload();
      expect(snap.state.version).toBe(2);
      expect(snap.client(provider)).toMatchObject({ status: 'SAVED', isAuthentication: 'SSLNOAUTH', isCertHashes: [] });
      expect(snap.state.owner).toEqual(owner);
    });

    it('keeps services with endpoints, rights and local groups, and cascades removals', async () => {
      await conf.addClient({ id: provider });
      await conf.addService({
        id: pets,
        url: 'https://pets.internal:8443/api',
        endpoints: [{ method: 'GET', path: '/pets/*' }],
        pinnedCertHashes: ['a'.repeat(64)],
      });
      await conf.addEndpoint(pets, { method: '*', path: '/admin/**' });
      await conf.addLocalGroup({ owner: provider, code: 'friends', members: [consumer] });
      await conf.grantAccess({ service: pets, subject: consumer, endpoint: { method: 'GET', path: '/pets/*' } });
      await conf.grantAccess({ service: pets, subject: localGroupId('friends') });
      await conf.grantAccess({ service: pets, subject: globalGroupId('EE', 'security-server-owners') });
      let snap = await createServerConf({ store }).reload();
      expect(snap.service(pets)).toMatchObject({ type: 'REST', timeoutSeconds: 60, tlsVerify: true, enabled: true });
      expect(snap.service(pets)?.endpoints).toHaveLength(2);
      expect(snap.servicesOf(provider)).toHaveLength(1);
      expect(snap.accessRights(pets)).toHaveLength(3);
      expect(snap.localGroup(provider, 'friends')?.members).toEqual([consumer]);

      await conf.removeEndpoint(pets, { method: 'GET', path: '/pets/*' });
      snap = conf.current();
      expect(snap.accessRights(pets)).toHaveLength(2);
      await conf.removeLocalGroup(provider, 'friends');
      expect(conf.current().accessRights(pets)).toHaveLength(1);
      await conf.removeClient(provider);
      snap = await createServerConf({ store }).reload();
      expect(snap.state.services).toEqual([]);
      expect(snap.state.accessRights).toEqual([]);
    });

    it('stores an OPENAPI3 service\'s description verbatim and refreshes its generated endpoints', async () => {
      await conf.addClient({ id: provider });
      const document = 'openapi: 3.0.3\n# "quotes", unicode \u00e9, tabs\t and a long line ' + 'x'.repeat(70_000) + '\n';
      const openapi = { format: 'yaml' as const, document, source: 'http://127.0.0.1:9/openapi.yaml', importedAt: 1_790_000_000_123 };
      const generatedV1 = [{ method: 'GET', path: '/pets' }, { method: 'GET', path: '/pets/*' }];
      await conf.addService({ id: pets, type: 'OPENAPI3', url: 'https://pets.internal/api', endpoints: generatedV1, openapi });
      await conf.addEndpoint(pets, { method: 'POST', path: '/admin' }); // added by hand
      await conf.grantAccess({ service: pets, subject: consumer });
      await conf.grantAccess({ service: pets, subject: consumer, endpoint: { method: 'GET', path: '/pets' } });
      await conf.grantAccess({ service: pets, subject: consumer, endpoint: { method: 'GET', path: '/pets/*' } });
      await conf.grantAccess({ service: pets, subject: consumer, endpoint: { method: 'POST', path: '/admin' } });
      expect((await createServerConf({ store }).reload()).service(pets)?.openapi).toEqual(openapi);

      const v2 = { ...openapi, format: 'json' as const, document: '{"openapi":"3.1.0"}', importedAt: openapi.importedAt + 1 };
      const result = await conf.refreshOpenApi(pets, {
        openapi: v2,
        endpoints: [{ method: 'GET', path: '/pets' }, { method: 'DELETE', path: '/pets/*' }],
        generatedBefore: (svc) => (svc.openapi?.document === document ? generatedV1 : []),
      });
      expect(result.added).toEqual([{ method: 'DELETE', path: '/pets/*' }]);
      expect(result.removed).toEqual([{ method: 'GET', path: '/pets/*' }]);
      expect(result.removedRights.map((r) => r.endpoint)).toEqual([{ method: 'GET', path: '/pets/*' }]);
      const snap = await createServerConf({ store }).reload();
      expect(snap.service(pets)?.openapi).toEqual(v2);
      expect(snap.service(pets)?.endpoints).toEqual([{ method: 'POST', path: '/admin' }, { method: 'GET', path: '/pets' }, { method: 'DELETE', path: '/pets/*' }]);
      expect(snap.accessRights(pets).map((r) => r.endpoint ?? null)).toEqual([null, { method: 'GET', path: '/pets' }, { method: 'POST', path: '/admin' }]);
    });

    it('refuses metaservice names as service codes (XRDDEV-599) and descriptions on REST services', async () => {
      await conf.addClient({ id: provider });
      for (const code_ of ['listClients', 'listMethods', 'allowedMethods', 'getOpenAPI', 'getWsdl']) {
        expect(await code(conf.addService({ id: serviceId('EE', 'GOV', '1234', 'prov', code_), url: 'http://127.0.0.1:1' }))).toBe('TONLE_ERR_SERVERCONF_RESERVED_SERVICE_CODE');
      }
      const openapi = { format: 'json' as const, document: '{}', source: 'upload', importedAt: 0 };
      expect(await code(conf.addService({ id: pets, url: 'http://127.0.0.1:1', openapi }))).toBe('TONLE_ERR_SERVERCONF_INVALID_VALUE');
      expect(await code(conf.addService({ id: pets, type: 'OPENAPI3', url: 'http://127.0.0.1:1', openapi: { ...openapi, source: 'file:///etc/passwd' } }))).toBe('TONLE_ERR_SERVERCONF_INVALID_VALUE');
      expect(await code(conf.addService({ id: pets, type: 'OPENAPI3', url: 'http://127.0.0.1:1', openapi: { ...openapi, importedAt: -1 } }))).toBe('TONLE_ERR_SERVERCONF_INVALID_VALUE');
      expect(await code(conf.refreshOpenApi(pets, { openapi, endpoints: [], generatedBefore: () => [] }))).toBe('TONLE_ERR_SERVERCONF_NOT_FOUND');
      await conf.addService({ id: pets, url: 'http://127.0.0.1:1' });
      expect(await code(conf.refreshOpenApi(pets, { openapi, endpoints: [], generatedBefore: () => [] }))).toBe('TONLE_ERR_SERVERCONF_INVALID_VALUE');
    });

    it('disables a service with a notice and re-enables it', async () => {
      await conf.addClient({ id: provider });
      await conf.addService({ id: pets, url: 'http://127.0.0.1:9/x' });
      await conf.updateService(pets, { enabled: false, disabledNotice: 'maintenance until 12:00' });
      expect((await createServerConf({ store }).reload()).service(pets)).toMatchObject({
        enabled: false,
        disabledNotice: 'maintenance until 12:00',
      });
      await conf.updateService(pets, { enabled: true, timeoutSeconds: 5 });
      expect(conf.current().service(pets)).toMatchObject({ enabled: true, timeoutSeconds: 5 });
    });

    it('refuses invalid input with precise codes and stores nothing', async () => {
      await conf.addClient({ id: provider });
      const bad = (await code(conf.addClient({ id: { ...provider, subsystemCode: 'bad/part' } }))) ?? '';
      expect(bad).toBe('TONLE_ERR_SERVERCONF_INVALID_IDENTIFIER');
      expect(await code(conf.addClient({ id: provider }))).toBe('TONLE_ERR_SERVERCONF_DUPLICATE');
      expect(await code(conf.addService({ id: pets, url: 'ftp://x/' }))).toBe('TONLE_ERR_SERVERCONF_INVALID_URL');
      expect(await code(conf.addService({ id: pets, url: 'not a url' }))).toBe('TONLE_ERR_SERVERCONF_INVALID_URL');
      expect(await code(conf.addService({ id: pets, url: 'https://u:p@x/' }))).toBe('TONLE_ERR_SERVERCONF_INVALID_URL');
      expect(await code(conf.addService({ id: pets, url: 'https://x/', timeoutSeconds: 0 }))).toBe(
        'TONLE_ERR_SERVERCONF_INVALID_VALUE',
      );
      expect(await code(conf.addService({ id: pets, url: 'https://x/', endpoints: [{ method: 'GET', path: '/a/../b' }] }))).toBe(
        'TONLE_ERR_SERVERCONF_INVALID_ENDPOINT',
      );
      expect(await code(conf.addService({ id: pets, url: 'https://x/', endpoints: [{ method: 'get', path: '/a' }] }))).toBe(
        'TONLE_ERR_SERVERCONF_INVALID_ENDPOINT',
      );
      expect(await code(conf.addService({ id: pets, url: 'https://x/', pinnedCertHashes: ['XYZ'] }))).toBe(
        'TONLE_ERR_SERVERCONF_INVALID_VALUE',
      );
      const foreign = serviceId('EE', 'GOV', '999', 'other', 'svc');
      expect(await code(conf.addService({ id: foreign, url: 'https://x/' }))).toBe('TONLE_ERR_SERVERCONF_NOT_FOUND');
      expect(await code(conf.grantAccess({ service: pets, subject: consumer }))).toBe('TONLE_ERR_SERVERCONF_NOT_FOUND');
      await conf.addService({ id: pets, url: 'https://x/' });
      expect(
        await code(conf.grantAccess({ service: pets, subject: consumer, endpoint: { method: 'GET', path: '/nope' } })),
      ).toBe('TONLE_ERR_SERVERCONF_NOT_FOUND');
      expect(await code(conf.grantAccess({ service: pets, subject: localGroupId('ghosts') }))).toBe('TONLE_ERR_SERVERCONF_NOT_FOUND');
      await conf.grantAccess({ service: pets, subject: consumer });
      expect(await code(conf.grantAccess({ service: pets, subject: consumer }))).toBe('TONLE_ERR_SERVERCONF_DUPLICATE');
      expect(await code(conf.revokeAccess({ service: pets, subject: provider }))).toBe('TONLE_ERR_SERVERCONF_NOT_FOUND');
      const snap = await createServerConf({ store }).reload();
      expect(snap.state.version).toBe(conf.current().state.version);
      expect(snap.state.services).toHaveLength(1);
    });

    it('lets another instance see changes through watch()', async () => {
      const other = createServerConf({ store });
      await other.reload();
      const errors: unknown[] = [];
      const stop = other.watch({ intervalMs: 20, onError: (e) => errors.push(e) });
      try {
        await conf.addClient({ id: provider });
        await expect.poll(() => other.current().client(provider)?.status, { timeout: 10_000 }).toBe('SAVED');
        expect(errors).toEqual([]);
      } finally {
        stop();
      }
      expect(() => other.watch({ intervalMs: 0 })).toThrow(TypeError);
    });

    it('loses no write under concurrent updates from several instances', async () => {
      await conf.addClient({ id: provider });
      await conf.addService({ id: pets, url: 'https://x/' });
      const writers = [conf, createServerConf({ store }), createServerConf({ store })];
      const n = 30;
      await Promise.all(
        Array.from({ length: n }, (_, i) =>
          (writers[i % writers.length] as ServerConf).addEndpoint(pets, { method: 'GET', path: `/e${i}` }),
        ),
      );
      const snap = await createServerConf({ store }).reload();
      expect(snap.service(pets)?.endpoints.map((e) => e.path).sort()).toEqual(Array.from({ length: n }, (_, i) => `/e${i}`).sort());
      expect(snap.state.version).toBe(4 + n - 1);
    });
  });
}
