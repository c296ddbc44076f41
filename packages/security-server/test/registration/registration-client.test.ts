import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { compactVerify, decodeProtectedHeader } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memberId, securityServerId, subsystemId } from '@tonle/protocol';
import { parseCertificate } from '@tonle/pki';
import { createSoftwareToken, type SoftwareToken } from '../../src/token/index.ts';
import { createKeyManager, type KeyManager } from '../../src/keys/index.ts';
import { createFileServerConfStore, createServerConf, type ServerConf } from '../../src/server-conf/index.ts';
import { createRegistrationClient, type ManagementEnvelope, type RegistrationClient } from '../../src/registration/index.ts';
import { createCa } from '../keys/test-ca.ts';

const OWNER = memberId('EE', 'GOV', '1234');
const OTHER = memberId('EE', 'COM', '777');
const SERVER = securityServerId('EE', 'GOV', '1234', 'ss1');
const FAKE_OCSP = new Uint8Array([0x30, 0x03, 0x0a, 0x01, 0x00]);
let dir: string;
const clock = { now: () => 1_800_000_000_000 };
let token: SoftwareToken;
let keys: KeyManager;
let serverConf: ServerConf;
let registry: FastifyInstance;
let received: ManagementEnvelope[];
let answer: { status: number; body: unknown };
let client: RegistrationClient;
let authHash: string;

const sha256 = (d: Uint8Array) => createHash('sha256').update(d).digest('hex');

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tonle-reg-'));
  token = await createSoftwareToken({ directory: join(dir, 'token'), clock });
  await token.initialize('token-pin-1');
  await token.login('token-pin-1');
  const good = { check: async () => ({ status: 'good' as const }) };
  keys = await createKeyManager({ token, path: join(dir, 'keys.json'), clock, ocsp: good, instance: 'EE' });
  serverConf = createServerConf({ store: createFileServerConfStore({ path: join(dir, 'serverconf.json') }) });
  await serverConf.initialize({ owner: OWNER, serverCode: 'ss1' });
  const ca = await createCa(clock.now());
  for (const m of [OWNER, OTHER]) {
    const k = await keys.generateKey({ usage: 'SIGN', spec: 'P-256', memberId: m });
    const c = await keys.importCertificate(await ca.issue(Buffer.from((await keys.createCsr({ keyId: k.id })).der, 'base64')));
    await keys.activateCertificate(c.hash);
  }
  const auth = await keys.generateKey({ usage: 'AUTH', spec: 'RSA-2048' });
  const authCert = await keys.importCertificate(await ca.issue(Buffer.from((await keys.createCsr({ keyId: auth.id, server: SERVER })).der, 'base64'), { usage: 'AUTH' }));
  authHash = authCert.hash;

  received = [];
  answer = { status: 202, body: undefined };
  registry = Fastify();
  registry.post('/managementservice', async (request, reply) => {
    const envelope = request.body as ManagementEnvelope;
    received.push(envelope);
    const payload = JSON.parse(Buffer.from(envelope.request.split('.')[1]!, 'base64url').toString('utf8')) as { requestId: string; type: string };
    return reply.status(answer.status).send(answer.body ?? { id: `r-${received.length}`, requestId: payload.requestId, type: payload.type, status: 'pending' });
  });
  const address = await registry.listen({ port: 0, host: '127.0.0.1' });
  client = createRegistrationClient({
    keys,
    token,
    serverConf,
    clock,
    server: () => SERVER,
    managementUrl: () => `${address}/managementservice`,
    ocspResponse: async () => FAKE_OCSP,
  });
});
afterEach(async () => {
  await registry.close();
  await rm(dir, { recursive: true, force: true });
});

/** Verifies an envelope the way the registry does: x5c leaf key, same payload bytes under both signatures. */
async function verifyEnvelope(envelope: ManagementEnvelope) {
  const header = decodeProtectedHeader(envelope.request);
  const leaf = new Uint8Array(Buffer.from((header.x5c as string[])[0]!, 'base64'));
  const signCert = parseCertificate(leaf);
  const { payload } = await compactVerify(envelope.request, signCert.publicKey);
  return { header, signCert, payloadBytes: payload, payload: JSON.parse(Buffer.from(payload).toString('utf8')) as Record<string, unknown> };
}

describe('registration client', () => {
  it('sends authCertReg signed by the owner sign key and the new auth key over the same bytes', async () => {
    const result = await client.registerAuthCertificate({ hash: authHash, address: 'ss1.example.org' });
    expect(result).toMatchObject({ id: 'r-1', type: 'authCertReg', status: 'pending' });
    expect(keys.getCertificate(authHash)?.status).toBe('REGISTRATION_IN_PROGRESS');
    const [envelope] = received;
    const { payload, payloadBytes, signCert } = await verifyEnvelope(envelope!);
    expect(payload).toMatchObject({ type: 'authCertReg', instance: 'EE', server: { memberClass: 'GOV', memberCode: '1234', serverCode: 'ss1' }, address: 'ss1.example.org', createdAt: new Date(clock.now()).toISOString() });
    expect(sha256(Buffer.from(payload['authCertificate'] as string, 'base64'))).toBe(authHash);
    expect(signCert.subject).toContainEqual({ type: 'CN', value: '1234' });
    const authCert = parseCertificate(Buffer.from(payload['authCertificate'] as string, 'base64'));
    const proof = await compactVerify(envelope!.authSignature!, authCert.publicKey);
    expect(Buffer.from(proof.payload).equals(Buffer.from(payloadBytes))).toBe(true);
    expect(envelope!.ocspResponse).toBe(Buffer.from(FAKE_OCSP).toString('base64'));
    // A second registration of the same certificate is refused locally.
    expect(await codeOf(client.registerAuthCertificate({ hash: authHash, address: 'ss1.example.org' }))).toBe('TONLE_ERR_REGISTRATION_INVALID_REQUEST');
  });

  it('sends clientReg signed by the owning member, and moves states by the global configuration', async () => {
    const sub = subsystemId('EE', 'COM', '777', 'app');
    await serverConf.addClient({ id: sub });
    expect(await codeOf(client.registerClient(subsystemId('EE', 'COM', '777', 'nope')))).toBe('TONLE_ERR_REGISTRATION_INVALID_REQUEST');
    await client.registerClient(sub);
    const { payload, signCert } = await verifyEnvelope(received[0]!);
    expect(payload).toMatchObject({ type: 'clientReg', client: { memberClass: 'COM', memberCode: '777', subsystemCode: 'app' } });
    expect(signCert.subject).toContainEqual({ type: 'CN', value: '777' });
    expect(received[0]!.authSignature).toBeUndefined();
    expect(serverConf.current().client(sub)?.status).toBe('REGISTRATION_IN_PROGRESS');
    await client.registerAuthCertificate({ hash: authHash, address: 'ss1.example.org' });

    const view = (clients: { memberClass: string; memberCode: string; subsystemCode?: string }[], hashes: string[]) => ({
      instanceIdentifier: 'EE',
      securityServers: [{ owner: { memberClass: 'GOV', memberCode: '1234' }, serverCode: 'ss1', authCertHashes: hashes, clients }],
    });
    await client.syncFromGlobalConf(view([], []));
    expect(serverConf.current().client(sub)?.status).toBe('REGISTRATION_IN_PROGRESS');
    await client.syncFromGlobalConf(view([{ memberClass: 'COM', memberCode: '777', subsystemCode: 'app' }], [authHash]));
    expect(serverConf.current().client(sub)?.status).toBe('REGISTERED');
    expect(keys.getCertificate(authHash)?.status).toBe('REGISTERED');
    await client.unregisterClient(sub);
    expect(serverConf.current().client(sub)?.status).toBe('DELETION_IN_PROGRESS');
    const del = await verifyEnvelope(received[2]!);
    expect(del.payload).toMatchObject({ type: 'clientDeletion' });
    expect(del.signCert.subject).toContainEqual({ type: 'CN', value: '1234' });
  });

  it('reports refusals with the registry code and an unreachable registry, leaving states unchanged', async () => {
    answer = { status: 403, body: { code: 'TONLE_ERR_REGISTRY_WRONG_SIGNER', message: 'x' } };
    const err = await client.registerAuthCertificate({ hash: authHash, address: 'ss1.example.org' }).catch((e: unknown) => e as { code: string; registryCode: string; status: number });
    expect(err).toMatchObject({ code: 'TONLE_ERR_REGISTRATION_REFUSED', registryCode: 'TONLE_ERR_REGISTRY_WRONG_SIGNER', status: 403 });
    expect(keys.getCertificate(authHash)?.status).toBe('SAVED');
    await registry.close();
    expect(await codeOf(client.registerAuthCertificate({ hash: authHash, address: 'ss1.example.org' }))).toBe('TONLE_ERR_REGISTRATION_UNREACHABLE');
    expect(await codeOf(client.registerAuthCertificate({ hash: authHash, address: 'bad address/' }))).toBe('TONLE_ERR_REGISTRATION_INVALID_REQUEST');
  });

  it('refuses when the signing member has no active certificate or the token is logged out', async () => {
    const stranger = subsystemId('EE', 'GOV', '5555', 'x');
    await serverConf.addClient({ id: stranger });
    expect(await codeOf(client.registerClient(stranger))).toBe('TONLE_ERR_REGISTRATION_NO_SIGNING_CERTIFICATE');
    token.logout();
    expect(await codeOf(client.registerAuthCertificate({ hash: authHash, address: 'ss1.example.org' }))).toBe('TONLE_ERR_TOKEN_LOGGED_OUT');
    expect(received).toHaveLength(0);
  });
});
