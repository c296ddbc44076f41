// Test support for the message log: a throwaway PKI (CA, checkpoint signing certificate, TSA certificate)
// generated per run with @tonle/pki, and a real RFC 3161 TSA served over HTTP by `openssl ts -reply`.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildOcspRequest, buildOcspResponse, createSoftwareSigner, encodePem, exportPrivateKeyPem, generateKeyPair, issueCertificate, type IssueCertificateOptions, type KeyPair } from '@tonle/pki';
import { loadTrustAnchors, type TrustAnchors } from '@tonle/audit';
import type { CheckpointSigner } from '../../src/message-log/index.ts';

const run = promisify(execFile);
export const OPENSSL = '/usr/bin/openssl';

export interface LogPki {
  readonly dir: string;
  readonly caPem: string;
  readonly anchorsFile: string;
  readonly anchors: TrustAnchors;
  readonly signer: CheckpointSigner;
  readonly signKeyPem: string;
  readonly signCertDer: Uint8Array;
  readonly caDer: Uint8Array;
  readonly tsaCertDer: Uint8Array;
  /** An OCSP response (signed by the CA itself) about the signing certificate. */
  readonly ocspFor: (status: 'good' | 'revoked', thisUpdate: number) => Uint8Array;
  readonly cleanup: () => Promise<void>;
}

const DAY = 86_400_000;


export async function createLogPki(): Promise<LogPki> {
  const dir = await mkdtemp(join(tmpdir(), 'tonle-mlog-pki-'));
  const now = Date.now();
  const validity = { notBefore: now - DAY, notAfter: now + 365 * DAY };
  const name = (o: string, cn: string): { type: string; value: string }[] => [{ type: 'C', value: 'EE' }, { type: 'O', value: o }, { type: 'CN', value: cn }];
  const ca = await generateKeyPair('P-256');
  const caDer = await issueCertificate({ publicKey: ca.publicKey, signingKey: ca.privateKey, subject: name('Test', 'Test CA'), ...validity, keyUsage: ['keyCertSign', 'cRLSign'], basicConstraints: { ca: true } });
  const issue = async (subject: { type: string; value: string }[], extra: Partial<IssueCertificateOptions>): Promise<{ key: KeyPair; der: Uint8Array }> => {
    const key = await generateKeyPair('P-256');
    const der = await issueCertificate({ publicKey: key.publicKey, signingKey: ca.privateKey, issuerCertificate: caDer, subject, ...validity, ...extra });
    return { key, der };
  };
  const { key: sig, der: signCertDer } = await issue(name('GOV', '1234'), { keyUsage: ['digitalSignature', 'nonRepudiation'] });
  // RFC 3161 §2.3: the TSA certificate has the critical timeStamping extended key usage.
  const { key: tsa, der: tsaCertDer } = await issue(name('Test', 'Test TSA'), { keyUsage: ['digitalSignature'], extendedKeyUsage: ['timeStamping'], extendedKeyUsageCritical: true });
  const caPem = encodePem('CERTIFICATE', caDer);
  await writeFile(join(dir, 'ca.pem'), caPem);
  await writeFile(join(dir, 'tsa.pem'), encodePem('CERTIFICATE', tsaCertDer));
  await writeFile(join(dir, 'tsa.key'), exportPrivateKeyPem(tsa.privateKey), { mode: 0o600 });
  await writeFile(join(dir, 'tsaserial'), '01\n');
  await writeFile(
    join(dir, 'tsa.cnf'),
    [
      '[ tsa ]',
      'default_tsa = tsa_config1',
      '[ tsa_config1 ]',
      `serial = ${join(dir, 'tsaserial')}`,
      'crypto_device = builtin',
      `signer_cert = ${join(dir, 'tsa.pem')}`,
      `certs = ${join(dir, 'ca.pem')}`,
      `signer_key = ${join(dir, 'tsa.key')}`,
      'signer_digest = sha256',
      'default_policy = 1.2.3.4.1',
      'digests = sha256, sha384, sha512',
      'accuracy = secs:1',
      'ordering = yes',
      'tsa_name = yes',
      'ess_cert_id_chain = no',
      'ess_cert_id_alg = sha256',
      '',
    ].join('\n'),
  );
  const anchorsDir = join(dir, 'anchors');
  await run('mkdir', ['-p', anchorsDir]);
  await writeFile(join(anchorsDir, 'ca.pem'), caPem);
  await writeFile(join(anchorsDir, 'tsa.pem'), encodePem('CERTIFICATE', tsaCertDer));
  const signKeyPem = exportPrivateKeyPem(sig.privateKey);
  return {
    dir,
    caPem,
    anchorsFile: anchorsDir,
    anchors: await loadTrustAnchors(anchorsDir),
    signer: createSoftwareSigner({ privateKey: sig.privateKey, certificateChain: [signCertDer, caDer] }),
    signKeyPem,
    signCertDer,
    caDer,
    tsaCertDer,
    ocspFor: (status, thisUpdate) =>
      buildOcspResponse({
        responderCertificate: caDer,
        privateKey: ca.privateKey,
        producedAt: thisUpdate,
        responses: [{ certId: buildOcspRequest({ certificate: signCertDer, issuer: caDer }).certId, status, thisUpdate, ...(status === 'revoked' ? { revocationTime: thisUpdate - 1000 } : {}) }],
      }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export interface OpensslTsa {
  readonly url: string;
  /** While down, every connection is destroyed without an answer. */
  setDown(down: boolean): void;
  readonly requests: () => number;
  close(): Promise<void>;
}

/** A real RFC 3161 TSA: each POSTed TimeStampReq is answered by `openssl ts -reply`. */
export async function startOpensslTsa(pki: LogPki): Promise<OpensslTsa> {
  let down = false;
  let count = 0;
  let chain: Promise<unknown> = Promise.resolve();
  const server: Server = createServer((req, res) => {
    if (down) {
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const job = chain.then(async () => {
        const n = ++count;
        const q = join(pki.dir, `req-${n}.tsq`);
        const r = join(pki.dir, `resp-${n}.tsr`);
        await writeFile(q, Buffer.concat(chunks));
        await run(OPENSSL, ['ts', '-reply', '-config', join(pki.dir, 'tsa.cnf'), '-section', 'tsa_config1', '-queryfile', q, '-out', r]);
        const body = await readFile(r);
        res.writeHead(200, { 'content-type': 'application/timestamp-reply', 'content-length': body.length });
        res.end(body);
      });
      chain = job.catch(() => {
        res.writeHead(500);
        res.end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/tsa`,
    setDown: (d) => {
      down = d;
      if (d) server.closeAllConnections();
    },
    requests: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A clock tests move by hand. */
export function manualClock(start = Date.now()): { now(): number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}
