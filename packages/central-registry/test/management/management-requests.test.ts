import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePem, generateKeyPair, issueCertificate } from '@tonle/pki';
import { parseConfigurationAnchor, verifyGlobalConfiguration } from '@tonle/protocol';
import { createTestPki, type TestCertificate, type TestPki } from '@tonle/test-kit';
import { registryFixture } from '../support/registry-fixture.ts';
import { fetchOcsp, signedRequest } from '../support/management-client.ts';

let pki: TestPki;
let fx: Awaited<ReturnType<typeof registryFixture>>;
let ownerSign: TestCertificate;
let auth: TestCertificate;
const server = { memberClass: 'GOV', memberCode: '123', serverCode: 'ss1' };

beforeAll(async () => {
  pki = await createTestPki({ instance: 'EE' });
  fx = await registryFixture({ realTime: true, instance: 'EE' });
  const admin = (method: 'POST' | 'GET', url: string, payload?: object) => fx.admin.inject({ method, url, headers: fx.auth(), ...(payload === undefined ? {} : { payload }) });
  expect((await admin('POST', '/api/v1/members', { memberClass: 'GOV', memberCode: '123', name: 'Ministry' })).statusCode).toBe(201);
  expect((await admin('POST', '/api/v1/members', { memberClass: 'COM', memberCode: '456', name: 'Company' })).statusCode).toBe(201);
  const ca = await admin('POST', '/api/v1/certification-services', {
    name: 'Test CA',
    certificateProfile: 'ejbca',
    topCertificate: pki.caCertificatePem,
    ocspResponders: [{ url: pki.ocspUrl, certificate: Buffer.from(pki.ocspResponderCertificate).toString('base64') }],
  });
  expect(ca.statusCode).toBe(201);
  ownerSign = await pki.issueSignCertificate({ memberClass: 'GOV', memberCode: '123' });
  auth = await pki.issueAuthCertificate(server);
}, 120_000);

afterAll(async () => {
  await fx?.close();
  await pki?.close();
});

const submit = (envelope: unknown) => fx.pub.inject({ method: 'POST', url: '/managementservice', payload: envelope as object });
const requests = async () => (await fx.admin.inject({ method: 'GET', url: '/api/v1/management-requests', headers: fx.auth() })).json() as { id: string; status: string; type: string }[];
const approve = (id: string) => fx.admin.inject({ method: 'POST', url: `/api/v1/management-requests/${id}/approval`, headers: fx.auth() });
async function latestConfiguration() {
  const anchor = parseConfigurationAnchor((await fx.admin.inject({ method: 'GET', url: '/api/v1/configuration-anchor', headers: fx.auth() })).body);
  return (await verifyGlobalConfiguration((await fx.pub.inject({ method: 'GET', url: '/globalconf' })).body, anchor, { clock: fx.clock })).document;
}

describe('management requests', () => {
  it('registers a server (auth cert, dual signature) and a client; approval puts them in the next configuration', async () => {
    const reg = await submit(await signedRequest(pki, ownerSign, { type: 'authCertReg', server, address: '127.0.0.1', authCertificate: Buffer.from(auth.certificate).toString('base64') }, { auth }));
    expect(reg.statusCode).toBe(202);
    expect(reg.json()).toMatchObject({ type: 'authCertReg', status: 'pending' });
    expect((await latestConfiguration()).securityServers).toEqual([]);
    expect((await approve(reg.json().id)).statusCode).toBe(200);
    let conf = await latestConfiguration();
    expect(conf.securityServers).toEqual([
      { owner: { memberClass: 'GOV', memberCode: '123' }, serverCode: 'ss1', address: '127.0.0.1', authCertHashes: [auth.sha256], clients: [{ memberClass: 'GOV', memberCode: '123' }], maintenance: { enabled: false, message: '' } },
    ]);
    expect(conf.globalGroups.find((g) => g.groupCode === 'security-server-owners')?.members).toEqual([{ memberClass: 'GOV', memberCode: '123' }]);

    const client = { memberClass: 'GOV', memberCode: '123', subsystemCode: 'population' };
    const clientReg = await submit(await signedRequest(pki, ownerSign, { type: 'clientReg', server, client }));
    expect(clientReg.statusCode).toBe(202);
    expect((await approve(clientReg.json().id)).statusCode).toBe(200);
    conf = await latestConfiguration();
    expect(conf.securityServers[0]!.clients).toContainEqual(client);
    expect(conf.members.find((m) => m.memberCode === '123')!.subsystems).toEqual([{ subsystemCode: 'population' }]);

    // Maintenance mode is applied at once (signed by the owner, no approval step).
    const maintenance = await submit(await signedRequest(pki, ownerSign, { type: 'maintenanceModeEnable', server, message: 'upgrade' }));
    expect(maintenance.json()).toMatchObject({ status: 'approved' });
    expect((await latestConfiguration()).securityServers[0]!.maintenance).toEqual({ enabled: true, message: 'upgrade' });
    expect((await submit(await signedRequest(pki, ownerSign, { type: 'maintenanceModeDisable', server }))).json()).toMatchObject({ status: 'approved' });
    expect((await latestConfiguration()).securityServers[0]!.maintenance).toEqual({ enabled: false, message: '' });

    // A client deletion takes effect at once; deleting it again is refused (nothing to delete).
    const deletion = await submit(await signedRequest(pki, ownerSign, { type: 'clientDeletion', server, client }));
    expect(deletion.json()).toMatchObject({ status: 'approved' });
    expect((await latestConfiguration()).securityServers[0]!.clients).not.toContainEqual(client);
    const again = await submit(await signedRequest(pki, ownerSign, { type: 'clientDeletion', server, client }));
    expect([again.statusCode, again.json().code]).toEqual([404, 'TONLE_ERR_REGISTRY_NOT_FOUND']);
    const back = await submit(await signedRequest(pki, ownerSign, { type: 'clientReg', server, client }));
    expect((await approve(back.json().id)).statusCode).toBe(200);
  });

  it('accepts a client registration only when signed by the client member', async () => {
    const client = { memberClass: 'COM', memberCode: '456', subsystemCode: 'app' };
    const wrong = await submit(await signedRequest(pki, ownerSign, { type: 'clientReg', server, client }));
    expect([wrong.statusCode, wrong.json().code]).toEqual([403, 'TONLE_ERR_REGISTRY_WRONG_SIGNER']);
    const companySign = await pki.issueSignCertificate({ memberClass: 'COM', memberCode: '456' });
    const ok = await submit(await signedRequest(pki, companySign, { type: 'clientReg', server, client }));
    expect([ok.statusCode, ok.json().status]).toEqual([202, 'pending']);
  });

  it('refuses replays, tampering, missing proof of possession, unapproved CAs, stale requests and revoked certificates, writing nothing', async () => {
    const before = (await requests()).length;
    const envelope = await signedRequest(pki, ownerSign, { type: 'addressChange', server, address: '127.0.0.2' });
    expect((await submit(envelope)).statusCode).toBe(202);
    const replay = await submit(envelope);
    expect([replay.statusCode, replay.json().code]).toEqual([409, 'TONLE_ERR_REGISTRY_REPLAYED']);

    const fresh = await signedRequest(pki, ownerSign, { type: 'addressChange', server, address: '127.0.0.3' });
    const [h, p, s] = fresh.request.split('.') as [string, string, string];
    const flipped = `${h}.${p.slice(0, 10)}${p[10] === 'A' ? 'B' : 'A'}${p.slice(11)}.${s}`;
    const tampered = await submit({ ...fresh, request: flipped });
    expect(tampered.statusCode).toBe(400);
    expect(['TONLE_ERR_REGISTRY_BAD_SIGNATURE', 'TONLE_ERR_REGISTRY_VALIDATION']).toContain(tampered.json().code);
    const otherSig = await signedRequest(pki, ownerSign, { type: 'addressChange', server, address: '127.0.0.4' });
    const swapped = await submit({ ...fresh, request: `${h}.${p}.${otherSig.request.split('.')[2]}` });
    expect([swapped.statusCode, swapped.json().code]).toEqual([400, 'TONLE_ERR_REGISTRY_BAD_SIGNATURE']);

    const auth2 = await pki.issueAuthCertificate({ ...server, serverCode: 'ss1' });
    const noProof = await signedRequest(pki, ownerSign, { type: 'authCertReg', server, address: '127.0.0.1', authCertificate: Buffer.from(auth2.certificate).toString('base64') }, { auth: auth2 });
    const withoutProof = { request: noProof.request, ocspResponse: noProof.ocspResponse };
    expect((await submit(withoutProof)).json().code).toBe('TONLE_ERR_REGISTRY_BAD_SIGNATURE');
    const wrongKey = await signedRequest(pki, ownerSign, { type: 'authCertReg', server, address: '127.0.0.1', authCertificate: Buffer.from(auth2.certificate).toString('base64') }, { auth });
    expect((await submit(wrongKey)).json().code).toBe('TONLE_ERR_REGISTRY_BAD_SIGNATURE');

    // A signing certificate for the right member name, from a CA the registry never approved.
    const rogueKeys = await generateKeyPair('P-256');
    const rogueCert = await issueCertificate({
      publicKey: rogueKeys.publicKey,
      signingKey: rogueKeys.privateKey,
      subject: [{ type: 'C', value: 'EE' }, { type: 'O', value: 'GOV' }, { type: 'CN', value: '123' }],
      notBefore: Date.now() - 60_000,
      notAfter: Date.now() + 3_600_000,
    });
    const rogue = { ...ownerSign, certificate: rogueCert, certificatePem: encodePem('CERTIFICATE', rogueCert), privateKey: rogueKeys.privateKey, publicKey: rogueKeys.publicKey, chain: [rogueCert] };
    const untrusted = await submit(await signedRequest(pki, rogue, { type: 'addressChange', server, address: '127.0.0.5' }, { ocsp: await fetchOcsp(pki, ownerSign) }));
    expect([untrusted.statusCode, untrusted.json().code]).toEqual([400, 'TONLE_ERR_REGISTRY_UNTRUSTED_CERT']);

    const stale = await submit(await signedRequest(pki, ownerSign, { type: 'addressChange', server, address: '127.0.0.6' }, { now: Date.now() - 3_600_000 }));
    expect([stale.statusCode, stale.json().code]).toEqual([400, 'TONLE_ERR_REGISTRY_STALE_REQUEST']);

    const bogusOcsp = await submit({ ...(await signedRequest(pki, ownerSign, { type: 'addressChange', server, address: '127.0.0.7' })), ocspResponse: 'AAAA' });
    expect([bogusOcsp.statusCode, bogusOcsp.json().code]).toEqual([400, 'TONLE_ERR_REGISTRY_OCSP_INVALID']);
    const otherCertOcsp = await submit(await signedRequest(pki, ownerSign, { type: 'addressChange', server, address: '127.0.0.8' }, { ocsp: await fetchOcsp(pki, auth) }));
    expect([otherCertOcsp.statusCode, otherCertOcsp.json().code]).toEqual([400, 'TONLE_ERR_REGISTRY_OCSP_INVALID']);

    const doomed = await pki.issueSignCertificate({ memberClass: 'GOV', memberCode: '123' });
    await pki.revoke(doomed.serialNumber, 'keyCompromise');
    const revoked = await submit(await signedRequest(pki, doomed, { type: 'addressChange', server, address: '127.0.0.9' }));
    expect([revoked.statusCode, revoked.json().code]).toEqual([400, 'TONLE_ERR_REGISTRY_CERT_REVOKED']);

    const big = await submit({ request: 'a.b.c', ocspResponse: 'A'.repeat(300_000) });
    expect([big.statusCode, big.json().code]).toEqual([413, 'TONLE_ERR_REGISTRY_BODY_TOO_LARGE']);
    const junk = await submit({ request: 'x', ocspResponse: 'AAAA', extra: 1 });
    expect([junk.statusCode, junk.json().code]).toEqual([400, 'TONLE_ERR_REGISTRY_VALIDATION']);

    expect((await requests()).length).toBe(before + 1);
    expect((await fx.registry.state()).securityServers[0]!.address).toBe('127.0.0.2');
  });

  it('a deletion revokes the pending registration of the same certificate', async () => {
    const auth3 = await pki.issueAuthCertificate(server);
    const reg = await submit(await signedRequest(pki, ownerSign, { type: 'authCertReg', server, address: '127.0.0.1', authCertificate: Buffer.from(auth3.certificate).toString('base64') }, { auth: auth3 }));
    expect(reg.json().status).toBe('pending');
    const del = await submit(await signedRequest(pki, ownerSign, { type: 'authCertDeletion', server, authCertHash: auth3.sha256 }));
    expect(del.statusCode).toBe(202);
    expect((await requests()).find((r) => r.id === reg.json().id)?.status).toBe('revoked');
    expect((await approve(reg.json().id)).json().code).toBe('TONLE_ERR_REGISTRY_BAD_STATE');
  });

  it('refuses an OCSP response older than the freshness setting', async () => {
    const ocsp = await fetchOcsp(pki, ownerSign);
    fx.advance(2 * 3_600_000);
    try {
      const res = await submit(await signedRequest(pki, ownerSign, { type: 'addressChange', server, address: '127.0.0.10' }, { ocsp, now: fx.clock.now() }));
      expect([res.statusCode, res.json().code]).toEqual([400, 'TONLE_ERR_REGISTRY_OCSP_INVALID']);
    } finally {
      fx.advance(-2 * 3_600_000);
    }
  });

  it('applies registrations at once when auto-approval is on', async () => {
    const auto = await registryFixture({ realTime: true, instance: 'EE', autoApprove: true });
    try {
      expect((await auto.admin.inject({ method: 'POST', url: '/api/v1/members', headers: auto.auth(), payload: { memberClass: 'GOV', memberCode: '123', name: 'Ministry' } })).statusCode).toBe(201);
      const ca = await auto.admin.inject({ method: 'POST', url: '/api/v1/certification-services', headers: auto.auth(), payload: { name: 'Test CA', certificateProfile: 'ejbca', topCertificate: pki.caCertificatePem, ocspResponders: [{ url: pki.ocspUrl, certificate: Buffer.from(pki.ocspResponderCertificate).toString('base64') }] } });
      expect(ca.statusCode).toBe(201);
      const authAuto = await pki.issueAuthCertificate({ ...server, serverCode: 'ss9' });
      const res = await auto.pub.inject({
        method: 'POST',
        url: '/managementservice',
        payload: await signedRequest(pki, ownerSign, { type: 'authCertReg', server: { ...server, serverCode: 'ss9' }, address: '127.0.0.1', authCertificate: Buffer.from(authAuto.certificate).toString('base64') }, { auth: authAuto }),
      });
      expect(res.json()).toMatchObject({ status: 'approved' });
      expect((await auto.registry.state()).securityServers.map((s) => s.serverCode)).toEqual(['ss9']);
    } finally {
      await auto.close();
    }
  });
});
