import { createServer, type Server } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '@tonle/protocol';
import { createCsr, encodePem, generateKeyPair, parseCertificate } from '@tonle/pki';
import {
  initTrustState,
  loadServiceIdentity,
  loadTsaConfig,
  readSecretFile,
  startTimeStampAuthority,
  startTrustServices,
  stateLayout,
} from '@tonle/trust-services';
import { quietLogger, tempDir } from '../support/openssl.ts';

/**
 * A free port below Linux's ephemeral range (32768-60999): a port the OS handed out for port 0 goes back
 * to that pool when closed, where any other socket on the machine can take it before the test reuses it.
 */
async function freePort(): Promise<number> {
  for (;;) {
    const port = 15_000 + Math.floor(Math.random() * 10_000);
    if (await canListen(port)) return port;
  }
}

async function canListen(port: number): Promise<boolean> {
  const server: Server = createServer();
  const ok = await new Promise<boolean>((done) => {
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => done(true));
  });
  if (ok) await new Promise<void>((done) => server.close(() => done()));
  return ok;
}

describe('starting the trust services', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let apiKey: string;
  beforeAll(async () => {
    dir = await tempDir('start');
    const state = await initTrustState({ stateDir: dir.path, instanceIdentifier: 'EE', ocspUrl: 'http://ocsp.invalid/', clock: systemClock });
    apiKey = await readSecretFile(state.apiKeyFile, 'api key');
  });
  afterAll(async () => {
    await dir?.[Symbol.asyncDispose]();
  });

  const issue = async (caUrl: string, code: string): Promise<Uint8Array> => {
    const keys = await generateKeyPair('P-256');
    const csr = createCsr({ privateKey: keys.privateKey, subject: [{ type: 'C', value: 'EE' }, { type: 'O', value: 'GOV' }, { type: 'CN', value: code }] });
    const response = await fetch(`${caUrl}/api/v1/certificates`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ csr: encodePem('CERTIFICATE REQUEST', csr), profile: 'sign', memberId: `EE/GOV/${code}` }),
    });
    expect(response.status).toBe(201);
    return parseCertificate(((await response.json()) as { certificate: string }).certificate).der;
  };

  it('starts all three together; the CA points issued certificates at the running responder', async () => {
    const services = await startTrustServices({ stateDir: dir.path, log: quietLogger(), ports: { ca: 0, ocsp: 0, tsa: 0 } });
    try {
      expect(parseCertificate(await issue(services.ca?.url ?? '', 'all')).ocspUrls).toEqual([`${services.ocsp?.url}/`]);
      expect((await fetch(`${services.tsa?.url}/`, { method: 'POST', headers: { 'content-type': 'application/timestamp-query' }, body: 'x' })).status).toBe(200);
    } finally {
      await services.close();
    }
  });

  it('starts one service alone; a lone CA uses the OCSP URL recorded at init (or TONLE_CA_OCSP_URL)', async () => {
    const lone = await startTrustServices({ stateDir: dir.path, log: quietLogger(), ports: { ca: 0 }, only: ['ca'] });
    try {
      expect(lone.ocsp).toBeUndefined();
      expect(lone.tsa).toBeUndefined();
      expect(parseCertificate(await issue(lone.ca?.url ?? '', 'lone')).ocspUrls).toEqual(['http://ocsp.invalid/']);
    } finally {
      await lone.close();
    }
    const fromEnv = await startTrustServices({ stateDir: dir.path, log: quietLogger(), ports: { ca: 0 }, only: ['ca'], env: { TONLE_CA_OCSP_URL: 'http://ocsp.example/' } });
    try {
      expect(parseCertificate(await issue(fromEnv.ca?.url ?? '', 'env')).ocspUrls).toEqual(['http://ocsp.example/']);
    } finally {
      await fromEnv.close();
    }
    const caFile = `${dir.path}/ca.json`;
    await writeFile(caFile, JSON.stringify({ ocspUrl: 'http://from-file.example/', signCertValidityDays: 30 }));
    const fromFile = await startTrustServices({ stateDir: dir.path, log: quietLogger(), ports: { ca: 0 }, only: ['ca'], configFiles: { ca: caFile } });
    try {
      const cert = parseCertificate(await issue(fromFile.ca?.url ?? '', 'file'));
      expect(cert.ocspUrls).toEqual(['http://from-file.example/']);
      expect(cert.notAfter - cert.notBefore).toBeLessThanOrEqual(31 * 86_400_000);
    } finally {
      await fromFile.close();
    }
  });

  it('stops what it started when a later service cannot listen', async () => {
    const [ca, ocsp, tsa] = [await freePort(), await freePort(), await freePort()];
    const blocker = createServer();
    await new Promise<void>((done) => blocker.listen(tsa, '127.0.0.1', done));
    try {
      await expect(startTrustServices({ stateDir: dir.path, log: quietLogger(), ports: { ca, ocsp, tsa } })).rejects.toMatchObject({ code: 'EADDRINUSE' });
      expect(await canListen(ca)).toBe(true);
      expect(await canListen(ocsp)).toBe(true);
    } finally {
      await new Promise<void>((done) => blocker.close(() => done()));
    }
  });

  it('refuses to start on a missing state directory or with a wrong PIN, with codes', async () => {
    await expect(startTrustServices({ stateDir: `${dir.path}/nope`, log: quietLogger() })).rejects.toMatchObject({ code: 'TONLE_ERR_TRUST_STATE_MISSING' });
    await expect(loadServiceIdentity(dir.path, 'ca', 'wrong-pin')).rejects.toMatchObject({ code: 'TONLE_ERR_TRUST_STATE_CORRUPT' });
    const wrongPin = `${dir.path}/wrong-pin`;
    await writeFile(wrongPin, 'not the pin\n');
    await expect(
      startTimeStampAuthority({ config: loadTsaConfig({ overrides: { stateDir: dir.path, port: 0, keyPinFile: wrongPin } }), log: quietLogger() }),
    ).rejects.toMatchObject({ code: 'TONLE_ERR_TRUST_STATE_CORRUPT' });
    await expect(
      initTrustState({ stateDir: dir.path, instanceIdentifier: 'EE', ocspUrl: 'http://x/', clock: systemClock }),
    ).rejects.toMatchObject({ code: 'TONLE_ERR_TRUST_STATE_EXISTS' });
    expect(stateLayout(dir.path).tsaSerial).toContain('tsa');
  });
});
