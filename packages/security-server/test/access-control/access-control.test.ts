import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeId, globalGroupId, localGroupId, memberId, serviceId, subsystemId } from '@tonle/protocol';
import type { ClientId, GlobalGroupId } from '@tonle/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessControl, type GlobalGroupMembership } from '../../src/access-control/index.ts';
import { createFileServerConfStore, createServerConf, type ServerConf } from '../../src/server-conf/index.ts';

const provider = subsystemId('EE', 'GOV', '1234', 'prov');
const pets = serviceId('EE', 'GOV', '1234', 'prov', 'pets');
const other = serviceId('EE', 'GOV', '1234', 'prov', 'other');
const alice = subsystemId('EE', 'COM', '1', 'alice');
const bob = subsystemId('EE', 'COM', '2', 'bob');
const carol = subsystemId('FI', 'COM', '3', 'carol');
const dave = subsystemId('EE', 'COM', '4', 'dave');
const owners = globalGroupId('EE', 'security-server-owners');

const globalGroups: GlobalGroupMembership = {
  isMemberOf: (client: ClientId, group: GlobalGroupId) => describeId(group) === describeId(owners) && describeId(client) === describeId(carol),
};

let dir: string;
let conf: ServerConf;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tonle-acl-'));
  conf = createServerConf({ store: createFileServerConfStore({ path: join(dir, 'conf.json') }) });
  await conf.initialize({ owner: memberId('EE', 'GOV', '1234'), serverCode: 'ss1' });
  await conf.addClient({ id: provider });
  await conf.addService({
    id: pets,
    url: 'https://pets.internal/',
    endpoints: [
      { method: 'GET', path: '/public/**' },
      { method: '*', path: '/pets/*' },
    ],
  });
  await conf.addService({ id: other, url: 'https://other.internal/' });
  await conf.addLocalGroup({ owner: provider, code: 'team', members: [dave] });
  await conf.grantAccess({ service: pets, subject: alice, endpoint: { method: 'GET', path: '/public/**' } });
  await conf.grantAccess({ service: pets, subject: bob });
  await conf.grantAccess({ service: pets, subject: owners, endpoint: { method: '*', path: '/pets/*' } });
  await conf.grantAccess({ service: pets, subject: localGroupId('team'), endpoint: { method: '*', path: '/pets/*' } });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('isQueryAllowed', () => {
  const acl = () => createAccessControl({ serverConf: conf });
  const ask = (client: ClientId, method: string, path: string, service = pets) =>
    acl().isQueryAllowed({ client, service, method, path, globalGroups });

  it('grants endpoint-level rights by method and glob only', () => {
    expect(ask(alice, 'GET', '/public/a/b')).toMatchObject({ allowed: true, normalizedPath: '/public/a/b' });
    expect(ask(alice, 'POST', '/public/a')).toMatchObject({ allowed: false, reason: 'NO_MATCHING_RIGHT' });
    expect(ask(alice, 'GET', '/pets/1')).toMatchObject({ allowed: false, reason: 'NO_MATCHING_RIGHT' });
  });

  it('grants service-level rights for every endpoint and path', () => {
    expect(ask(bob, 'DELETE', '/anything/here')).toMatchObject({ allowed: true });
    expect(ask(bob, 'GET', '/', other)).toMatchObject({ allowed: false, reason: 'NO_MATCHING_RIGHT' });
  });

  it('grants through global and local groups', () => {
    expect(ask(carol, 'PUT', '/pets/9')).toMatchObject({ allowed: true });
    expect(ask(dave, 'GET', '/pets/9')).toMatchObject({ allowed: true });
    expect(ask(dave, 'GET', '/pets/9/x')).toMatchObject({ allowed: false });
    expect(ask(memberId('EE', 'COM', '4'), 'GET', '/pets/9')).toMatchObject({ allowed: false });
  });

  it('stops traversal around a wildcard rule (XRDDEV-3054)', () => {
    expect(ask(alice, 'GET', '/public/../admin')).toMatchObject({ allowed: false, normalizedPath: '/admin' });
    expect(ask(alice, 'GET', '/public/%2e%2e/admin')).toMatchObject({ allowed: false, normalizedPath: '/admin' });
    expect(ask(alice, 'GET', '/public/%2F..%2Fadmin')).toMatchObject({ allowed: false, reason: 'INVALID_PATH' });
    expect(ask(alice, 'GET', '/public/..%5Cadmin')).toMatchObject({ allowed: false, reason: 'INVALID_PATH' });
    expect(ask(alice, 'GET', '//public//a')).toMatchObject({ allowed: true, normalizedPath: '/public/a' });
    expect(ask(carol, 'GET', '/pets/1/../../admin')).toMatchObject({ allowed: false, normalizedPath: '/admin' });
  });

  it('denies unknown services', () => {
    expect(ask(bob, 'GET', '/', serviceId('EE', 'GOV', '1234', 'prov', 'nope'))).toMatchObject({
      allowed: false,
      reason: 'UNKNOWN_SERVICE',
    });
  });

  it('follows configuration changes', async () => {
    expect(ask(alice, 'GET', '/x', other)).toMatchObject({ allowed: false });
    await conf.grantAccess({ service: other, subject: alice });
    expect(ask(alice, 'GET', '/x', other)).toMatchObject({ allowed: true });
    await conf.revokeAccess({ service: other, subject: alice });
    expect(ask(alice, 'GET', '/x', other)).toMatchObject({ allowed: false });
  });
});
