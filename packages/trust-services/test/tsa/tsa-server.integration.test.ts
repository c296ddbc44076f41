import { readFile, writeFile } from 'node:fs/promises';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '@tonle/protocol';
import { encodePem } from '@tonle/pki';
import { initTrustState, loadTsaConfig, startTimeStampAuthority, type RunningService } from '@tonle/trust-services';
import { derFuzz, file, openssl, quietLogger, tempDir } from '../support/openssl.ts';

const QUERY = { 'content-type': 'application/timestamp-query' };

describe('time-stamping authority over HTTP, checked by openssl ts', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let tsa: RunningService;
  const start = async (): Promise<RunningService> =>
    startTimeStampAuthority({ config: loadTsaConfig({ overrides: { stateDir: dir.path, port: 0 } }), log: quietLogger() });

  beforeAll(async () => {
    dir = await tempDir('tsa');
    const state = await initTrustState({ stateDir: dir.path, instanceIdentifier: 'EE', ocspUrl: 'http://127.0.0.1:9/', clock: systemClock });
    await writeFile(file(dir.path, 'ca.pem'), encodePem('CERTIFICATE', state.caCertificate));
    await writeFile(file(dir.path, 'tsa.pem'), encodePem('CERTIFICATE', state.tsaCertificate));
    await writeFile(file(dir.path, 'data.txt'), 'the message log checkpoint to be stamped\n');
    tsa = await start();
  });
  afterAll(async () => {
    await tsa?.close();
    await dir?.[Symbol.asyncDispose]();
  });

  /** POSTs a query file, stores the reply, returns `openssl ts -reply -text` of it. */
  const stamp = async (query: string, reply: string): Promise<string> => {
    const response = await fetch(tsa.url, { method: 'POST', headers: QUERY, body: await readFile(query) });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/timestamp-reply');
    await writeFile(reply, Buffer.from(await response.arrayBuffer()));
    const text = await openssl(['ts', '-reply', '-in', reply, '-text']);
    expect(text.code, text.stderr).toBe(0);
    return text.stdout;
  };
  const serialOf = (text: string): bigint => BigInt(/Serial number: (0x[0-9A-Fa-f]+|\d+)/.exec(text)?.[1] ?? 'x');

  it.each(['sha256', 'sha384', 'sha512'])('grants a %s time-stamp that openssl ts -verify accepts', async (alg) => {
    const q = file(dir.path, `${alg}.tsq`);
    const r = file(dir.path, `${alg}.tsr`);
    const made = await openssl(['ts', '-query', '-data', file(dir.path, 'data.txt'), `-${alg}`, '-cert', '-out', q]);
    expect(made.code, made.stderr).toBe(0);
    const text = await stamp(q, r);
    expect(text).toContain('Status: Granted');
    expect(text).toContain('Policy OID: 2.999.3161.1');
    expect(text).toMatch(/Nonce: 0x[0-9A-F]+/);
    const verified = await openssl(['ts', '-verify', '-data', file(dir.path, 'data.txt'), '-in', r, '-CAfile', file(dir.path, 'ca.pem'), '-untrusted', file(dir.path, 'tsa.pem')]);
    expect(verified.stdout, verified.stderr).toContain('Verification: OK');
    // With certReq the TSA certificate is in the token, so openssl needs no -untrusted.
    const embedded = await openssl(['ts', '-verify', '-data', file(dir.path, 'data.txt'), '-in', r, '-CAfile', file(dir.path, 'ca.pem')]);
    expect(embedded.stdout, embedded.stderr).toContain('Verification: OK');
  });

  it('leaves the TSA certificate out of the token when the request does not ask for it (certReq false)', async () => {
    const q = file(dir.path, 'nocert.tsq');
    const r = file(dir.path, 'nocert.tsr');
    expect((await openssl(['ts', '-query', '-data', file(dir.path, 'data.txt'), '-sha256', '-no_nonce', '-out', q])).code).toBe(0);
    const text = await stamp(q, r);
    expect(text).toContain('Status: Granted');
    expect(text).toContain('Nonce: unspecified');
    const token = file(dir.path, 'nocert.tok');
    expect((await openssl(['ts', '-reply', '-in', r, '-token_out', '-out', token])).code).toBe(0);
    const certs = await openssl(['pkcs7', '-inform', 'DER', '-in', token, '-print_certs']);
    expect(certs.stdout).not.toContain('BEGIN CERTIFICATE');
    const verified = await openssl(['ts', '-verify', '-data', file(dir.path, 'data.txt'), '-in', r, '-CAfile', file(dir.path, 'ca.pem'), '-untrusted', file(dir.path, 'tsa.pem')]);
    expect(verified.stdout, verified.stderr).toContain('Verification: OK');
  });

  it('rejects an unknown hash algorithm with badAlg, garbage with badDataFormat, another policy with unacceptedPolicy', async () => {
    const md5 = file(dir.path, 'md5.tsq');
    expect((await openssl(['ts', '-query', '-data', file(dir.path, 'data.txt'), '-md5', '-out', md5])).code).toBe(0);
    const badAlg = await stamp(md5, file(dir.path, 'md5.tsr'));
    expect(badAlg).toContain('Status: Rejected');
    expect(badAlg).toContain('unrecognized or unsupported algorithm identifier');

    await writeFile(file(dir.path, 'garbage.tsq'), Buffer.from('definitely not DER'));
    const garbage = await stamp(file(dir.path, 'garbage.tsq'), file(dir.path, 'garbage.tsr'));
    expect(garbage).toContain('Status: Rejected');
    expect(garbage).toContain('the data submitted has the wrong format');

    const policy = file(dir.path, 'policy.tsq');
    expect((await openssl(['ts', '-query', '-data', file(dir.path, 'data.txt'), '-sha256', '-tspolicy', '1.2.3.4', '-out', policy])).code).toBe(0);
    const unaccepted = await stamp(policy, file(dir.path, 'policy.tsr'));
    expect(unaccepted).toContain('Status: Rejected');
    expect(unaccepted).toContain('the requested TSA policy is not supported');
  });

  it('answers transport misuse with HTTP 4xx', async () => {
    expect((await fetch(tsa.url, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: Buffer.from([0x30, 0]) })).status).toBe(415);
    expect((await fetch(tsa.url, { method: 'POST', body: 'x' })).status).toBe(415);
    expect((await fetch(tsa.url, { method: 'POST', headers: QUERY, body: Buffer.alloc(32 * 1024, 0x30) })).status).toBe(413);
    expect((await fetch(tsa.url)).status).toBe(404);
  });

  it('keeps serial numbers strictly increasing across a restart', async () => {
    const q = file(dir.path, 'serial.tsq');
    expect((await openssl(['ts', '-query', '-data', file(dir.path, 'data.txt'), '-sha256', '-out', q])).code).toBe(0);
    const seen: bigint[] = [];
    for (let i = 0; i < 3; i++) seen.push(serialOf(await stamp(q, file(dir.path, `s${i}.tsr`))));
    await tsa.close();
    tsa = await start();
    for (let i = 3; i < 6; i++) seen.push(serialOf(await stamp(q, file(dir.path, `s${i}.tsr`))));
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1] as bigint);
    expect(new Set(seen).size).toBe(seen.length);
    expect(BigInt((await readFile(file(dir.path, 'tsa/serial'), 'utf8')).trim())).toBe(seen[seen.length - 1]);
  });

  it('never fails on fuzzed requests (random bytes and mutated valid queries)', async () => {
    const q = file(dir.path, 'fuzz.tsq');
    expect((await openssl(['ts', '-query', '-data', file(dir.path, 'data.txt'), '-sha256', '-cert', '-out', q])).code).toBe(0);
    const valid = new Uint8Array(await readFile(q));
    await fc.assert(
      fc.asyncProperty(
        derFuzz(valid, 400),
        async (body) => {
          const response = await fetch(tsa.url, { method: 'POST', headers: QUERY, body: Buffer.from(body) });
          expect(response.status).toBe(200);
          const der = new Uint8Array(await response.arrayBuffer());
          // A TimeStampResp is a DER SEQUENCE whose first element is the PKIStatusInfo SEQUENCE.
          expect(der[0]).toBe(0x30);
        },
      ),
      { numRuns: 100 },
    );
    const after = await stamp(q, file(dir.path, 'after.tsr'));
    expect(after).toContain('Status: Granted');
  });
});
