import { createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileStore, initializeRegistry, parseState } from '@tonle/central-registry';
import {
  createGlobalConfClient,
  parseConfigurationAnchor,
  signGlobalConfiguration,
  systemClock,
  trustAfter,
  verifyGlobalConfiguration,
  type GlobalConfFetch,
  type GlobalConfError,
} from '@tonle/protocol';
import { createTestPki, type TestPki } from '@tonle/test-kit';
import { signedRequest } from '../support/management-client.ts';
import { freePort } from '../support/redis-server.ts';
import { startRegistryProcess } from '../support/registry-process.ts';

let pki: TestPki;
let dir: string;
let node: Awaited<ReturnType<typeof startRegistryProcess>>;
let apiKey: string;

beforeAll(async () => {
  pki = await createTestPki({ instance: 'EE' });
  dir = await mkdtemp(join(tmpdir(), 'tonle-registry-process-'));
  const [adminPort, publicPort] = [await freePort(), await freePort()];
  const store = await createFileStore({ dir: join(dir, 'data') });
  ({ apiKey } = await initializeRegistry({ store, clock: systemClock, instanceIdentifier: 'EE', configurationUrls: [`http://127.0.0.1:${publicPort}/globalconf`] }));
  await store.close();
  node = await startRegistryProcess(dir, {
    store: { type: 'file', dir: './data' },
    admin: { host: '127.0.0.1', port: adminPort },
    public: { host: '127.0.0.1', port: publicPort },
    auditLog: './audit.jsonl',
  });
}, 120_000);

afterAll(async () => {
  await node?.stop();
  await pki?.close();
  await rm(dir, { recursive: true, force: true });
});

async function admin(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown; text: string }> {
  const response = await fetch(`${node.adminUrl}/api/v1${path}`, {
    method,
    headers: { authorization: `X-Road-ApiKey token=${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, text, json: text.length > 0 ? JSON.parse(text) : undefined };
}

async function submit(envelope: unknown): Promise<{ status: number; json: { id: string; status: string; code?: string } }> {
  const response = await fetch(`${node.publicUrl}/managementservice`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(envelope) });
  return { status: response.status, json: (await response.json()) as { id: string; status: string } };
}

describe('a registry process with the trust services', () => {
  it('registers a member, a server and a client; a verifier with only the anchor accepts the next configuration; rotation needs no new anchor', async () => {
    expect((await admin('POST', '/members', { memberClass: 'GOV', memberCode: '70000001', name: 'Ministry' })).status).toBe(201);
    expect(
      (
        await admin('POST', '/certification-services', {
          name: 'Test CA',
          certificateProfile: 'ejbca',
          topCertificate: pki.caCertificatePem,
          ocspResponders: [{ url: pki.ocspUrl, certificate: Buffer.from(pki.ocspResponderCertificate).toString('base64') }],
        })
      ).status,
    ).toBe(201);
    expect((await admin('POST', '/timestamping-services', { name: 'Test TSA', url: pki.tsaUrl, certificate: Buffer.from(pki.tsaCertificate).toString('base64') })).status).toBe(201);
    const anchorText = (await admin('GET', '/configuration-anchor')).text;
    const anchor = parseConfigurationAnchor(anchorText);

    const server = { memberClass: 'GOV', memberCode: '70000001', serverCode: 'ss1' };
    const sign = await pki.issueSignCertificate({ memberClass: 'GOV', memberCode: '70000001' });
    const auth = await pki.issueAuthCertificate(server);
    const reg = await submit(await signedRequest(pki, sign, { type: 'authCertReg', server, address: '127.0.0.1', authCertificate: Buffer.from(auth.certificate).toString('base64') }, { auth }));
    expect(reg.status).toBe(202);
    expect((await admin('POST', `/management-requests/${reg.json.id}/approval`)).status).toBe(200);
    const client = { memberClass: 'GOV', memberCode: '70000001', subsystemCode: 'population' };
    const creg = await submit(await signedRequest(pki, sign, { type: 'clientReg', server, client }));
    expect((await admin('POST', `/management-requests/${creg.json.id}/approval`)).status).toBe(200);

    // A security server's view: only the anchor, real HTTP, conditional GET.
    const gc = createGlobalConfClient({ anchor, clock: systemClock });
    await gc.start();
    const first = await gc.refresh();
    expect(first.outcome).toBe('updated');
    const doc = gc.current().document;
    expect(doc.members.map((m) => m.memberCode)).toEqual(['70000001']);
    expect(doc.securityServers[0]).toMatchObject({ serverCode: 'ss1', authCertHashes: [auth.sha256], clients: [{ memberClass: 'GOV', memberCode: '70000001' }, client] });
    expect(doc.approvedTsas.map((t) => t.url)).toEqual([pki.tsaUrl]);
    expect((await gc.refresh()).outcome).toBe('not-modified');

    // Every single flipped byte of the served text is refused, as is the document once expired.
    const served = first.configuration.jws;
    for (let i = 0; i < served.length; i += 7) {
      const tampered = served.slice(0, i) + (served[i] === 'A' ? 'B' : 'A') + served.slice(i + 1);
      if (tampered === served) continue;
      await expect(verifyGlobalConfiguration(tampered, anchor, { clock: systemClock })).rejects.toMatchObject({ name: 'GlobalConfError' });
    }
    const later = { now: () => first.configuration.expiresAtMs + 1 };
    await expect(verifyGlobalConfiguration(served, anchor, { clock: later })).rejects.toMatchObject({ code: 'TONLE_ERR_GCONF_EXPIRED' });
    const staleMirror: GlobalConfFetch = async () => ({ status: 200, headers: { get: () => null }, text: async () => served });
    const lateClient = createGlobalConfClient({ anchor, clock: later, fetch: staleMirror });
    const stale = (await lateClient.refresh().catch((e: unknown) => e)) as GlobalConfError;
    expect([stale.code, (stale.cause as GlobalConfError).code]).toEqual(['TONLE_ERR_GCONF_DOWNLOAD_FAILED', 'TONLE_ERR_GCONF_EXPIRED']);

    // Rotation: announce, the client learns the next key, switch, the client follows with the same anchor.
    expect((await admin('POST', '/signing-keys', { alg: 'ES256' })).status).toBe(201);
    expect((await gc.refresh()).configuration.document.sources[0]!.verificationKeys).toHaveLength(2);
    const retiring = parseState(JSON.parse(await readFile(join(dir, 'data', 'state.json'), 'utf8')).state).signingKeys.find((k) => k.status === 'current')!;
    expect((await admin('POST', '/signing-keys/activate-next')).status).toBe(200);
    const rotated = await gc.refresh();
    expect(rotated.outcome).toBe('updated');
    expect(rotated.configuration.signedBy).not.toBe(retiring.kid);
    // Whoever still holds the retired key cannot get a configuration accepted any more.
    const forged = await signGlobalConfiguration(
      {
        ...rotated.configuration.document,
        version: rotated.configuration.document.version + 100,
        sources: [{ address: `${node.publicUrl}/globalconf`, verificationKeys: [{ kid: retiring.kid, alg: retiring.alg, publicKey: retiring.publicKey, status: 'current' }] }],
      },
      { kid: retiring.kid, alg: retiring.alg, privateKey: createPrivateKey(retiring.privateKeyPem) },
    );
    await expect(verifyGlobalConfiguration(forged, trustAfter(rotated.configuration), { clock: systemClock })).rejects.toMatchObject({ code: 'TONLE_ERR_GCONF_UNTRUSTED_KEY' });
    const forgingMirror: GlobalConfFetch = async () => ({ status: 200, headers: { get: () => null }, text: async () => forged });
    // The anchor exported after the rotation no longer lists the retired key either.
    const newAnchor = parseConfigurationAnchor((await admin('GET', '/configuration-anchor')).text);
    expect(newAnchor.sources[0]!.verificationKeys.map((k) => k.kid)).not.toContain(retiring.kid);
    const victim = createGlobalConfClient({ anchor: newAnchor, clock: systemClock, fetch: forgingMirror });
    const refused = (await victim.refresh().catch((e: unknown) => e)) as GlobalConfError;
    expect((refused.cause as GlobalConfError).code).toBe('TONLE_ERR_GCONF_UNTRUSTED_KEY');

    // The audit log recorded every change and no secret.
    const audit = await readFile(join(dir, 'audit.jsonl'), 'utf8');
    expect(audit).toContain('"action":"management-request.authCertReg"');
    expect(audit).not.toContain(apiKey);
    expect(audit).not.toContain('PRIVATE KEY');
  });
});
