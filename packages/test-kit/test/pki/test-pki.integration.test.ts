import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSign, createVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ejbcaProfile, encodePem, parseCertificate, verifyOcspResponse, verifyTimeStampToken } from '@tonle/pki';
import { createTestPki } from '@tonle/test-kit';

function openssl(args: readonly string[]): Promise<string> {
  return new Promise((done) => {
    execFile('/usr/bin/openssl', [...args], { timeout: 60_000 }, (_e, stdout, stderr) => done(stdout + stderr));
  });
}

describe('createTestPki', () => {
  it('issues member sign and server auth certificates that openssl and the OCSP responder accept, and revokes them', async () => {
    const work = await mkdtemp(join(tmpdir(), 'tonle-testkit-'));
    let pkiDir: string | undefined;
    try {
      await using pki = await createTestPki({ instance: 'EE' });
      pkiDir = pki.dir;
      const sign = await pki.issueSignCertificate({ memberClass: 'GOV', memberCode: '1234' });
      const auth = await pki.issueAuthCertificate({ memberClass: 'GOV', memberCode: '1234', serverCode: 'ss1' }, { keySpec: 'RSA-2048' });

      expect(ejbcaProfile.memberIdFromCertificate(sign.certificate, 'EE')).toMatchObject({ memberClass: 'GOV', memberCode: '1234' });
      expect(sign.chain[1]).toEqual(pki.caCertificate);
      expect(parseCertificate(auth.certificate).sha256).toBe(auth.sha256);
      expect(parseCertificate(sign.certificate).ocspUrls).toEqual([pki.ocspUrl]);
      // The private key belongs to the certificate.
      const signature = createSign('sha256').update('x').sign(sign.privateKey);
      expect(createVerify('sha256').update('x').verify(parseCertificate(sign.certificate).publicKey, signature)).toBe(true);

      await writeFile(join(work, 'ca.pem'), pki.caCertificatePem);
      await writeFile(join(work, 'sign.pem'), sign.certificatePem);
      await writeFile(join(work, 'auth.pem'), encodePem('CERTIFICATE', auth.certificate));
      expect(await openssl(['verify', '-CAfile', join(work, 'ca.pem'), join(work, 'sign.pem'), join(work, 'auth.pem')])).toMatch(/sign\.pem: OK[\s\S]*auth\.pem: OK/);
      const ocsp = () => openssl(['ocsp', '-issuer', join(work, 'ca.pem'), '-cert', join(work, 'sign.pem'), '-url', pki.ocspUrl, '-CAfile', join(work, 'ca.pem')]);
      expect(await ocsp()).toContain(': good');

      await pki.revoke(sign.serialNumber, 'keyCompromise');
      expect(await ocsp()).toContain(': revoked');
      const verified = verifyOcspResponse({
        response: await pki.fetchOcspResponse(sign.certificate),
        certificate: sign.certificate,
        issuer: pki.caCertificate,
        at: Date.now(),
        maxAgeMs: 60_000,
      });
      expect(verified).toMatchObject({ status: 'revoked', revocationReason: 'keyCompromise' });

      expect(verifyOcspResponse({ response: await pki.fetchOcspResponse(auth.certificate, { nonce: true }), certificate: auth.certificate, issuer: pki.caCertificate, at: Date.now(), maxAgeMs: 60_000 }).status).toBe('good');
      const data = new TextEncoder().encode('checkpoint');
      const token = await pki.timeStamp(data);
      expect(verifyTimeStampToken({ token, data, trustedTsaCertificates: [pki.tsaCertificate] }).policy).toBe('2.999.3161.1');

      // The CA admin API is reachable with the exposed key.
      const list = await fetch(`${pki.caUrl}/api/v1/certificates`, { headers: { authorization: `Bearer ${pki.apiKey}` } });
      expect(((await list.json()) as { certificates: unknown[] }).certificates).toHaveLength(2);

      await writeFile(join(work, 'data.txt'), 'stamp me');
      await openssl(['ts', '-query', '-data', join(work, 'data.txt'), '-sha256', '-cert', '-out', join(work, 'q.tsq')]);
      const reply = await fetch(pki.tsaUrl, { method: 'POST', headers: { 'content-type': 'application/timestamp-query' }, body: await readFile(join(work, 'q.tsq')) });
      await writeFile(join(work, 'r.tsr'), Buffer.from(await reply.arrayBuffer()));
      await writeFile(join(work, 'tsa.pem'), encodePem('CERTIFICATE', pki.tsaCertificate));
      expect(await openssl(['ts', '-verify', '-data', join(work, 'data.txt'), '-in', join(work, 'r.tsr'), '-CAfile', join(work, 'ca.pem'), '-untrusted', join(work, 'tsa.pem')])).toContain(
        'Verification: OK',
      );
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    // `await using` closed the servers and removed the state directory.
    expect(pkiDir !== undefined && existsSync(pkiDir)).toBe(false);
  });
});
