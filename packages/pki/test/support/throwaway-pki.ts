import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { KeyObject } from 'node:crypto';
import { encodePem, generateKeyPair, issueCertificate, type KeySpec } from '@tonle/pki';

export const DAY = 86_400_000;
/** A fixed instant all tests run at (injected clock): 2030-06-01T00:00:00Z. */
export const NOW = Date.UTC(2030, 5, 1);

export interface Issued {
  readonly cert: Uint8Array;
  readonly key: KeyObject;
}

export interface ThrowawayPki {
  readonly root: Issued;
  readonly intermediate: Issued;
  /** A member signing certificate (C=EE, O=GOV, CN=1234) issued by the intermediate. */
  readonly sign: Issued;
  /** An OCSP responder certificate issued by the intermediate (EKU ocspSigning). */
  readonly ocsp: Issued;
  /** A TSA certificate issued by the root (critical EKU timeStamping). */
  readonly tsa: Issued;
  /** A different root that issued nothing here. */
  readonly otherRoot: Issued;
}

export async function issue(
  spec: KeySpec,
  subjectCn: string,
  issuer: Issued | undefined,
  extra: Partial<Parameters<typeof issueCertificate>[0]> = {},
): Promise<Issued> {
  const keys = await generateKeyPair(spec);
  const cert = await issueCertificate({
    publicKey: keys.publicKey,
    subject: [{ type: 'C', value: 'EE' }, { type: 'O', value: 'Tonle Test' }, { type: 'CN', value: subjectCn }],
    signingKey: issuer ? issuer.key : keys.privateKey,
    ...(issuer ? { issuerCertificate: issuer.cert } : {}),
    notBefore: NOW - 10 * DAY,
    notAfter: NOW + 365 * DAY,
    ...extra,
  });
  return { cert, key: keys.privateKey };
}

export async function caOptions(pathLength?: number): Promise<Partial<Parameters<typeof issueCertificate>[0]>> {
  return {
    basicConstraints: pathLength === undefined ? { ca: true } : { ca: true, pathLength },
    keyUsage: ['keyCertSign', 'cRLSign'],
  };
}

/** Builds a fresh CA hierarchy for one test file (never committed, never reused across runs). */
export async function createThrowawayPki(): Promise<ThrowawayPki> {
  const root = await issue('P-384', 'Test Root CA', undefined, await caOptions(1));
  const intermediate = await issue('P-256', 'Test Issuing CA', root, await caOptions(0));
  const sign = await issue('P-256', 'ignored', intermediate, {
    subject: [{ type: 'C', value: 'EE' }, { type: 'O', value: 'GOV' }, { type: 'CN', value: '1234' }],
    keyUsage: ['nonRepudiation'],
    basicConstraints: { ca: false },
    ocspUrls: ['http://127.0.0.1:1/ocsp'],
  });
  const ocsp = await issue('P-256', 'Test OCSP Responder', intermediate, {
    keyUsage: ['digitalSignature'],
    extendedKeyUsage: ['ocspSigning'],
    ocspNoCheck: true,
  });
  const tsa = await issue('RSA-2048', 'Test TSA', root, {
    keyUsage: ['digitalSignature', 'nonRepudiation'],
    extendedKeyUsage: ['timeStamping'],
  });
  const otherRoot = await issue('P-256', 'Other Root CA', undefined, await caOptions());
  return { root, intermediate, sign, ocsp, tsa, otherRoot };
}

/** A temporary directory for openssl interop files, removed by the returned cleanup. */
export function tempDir(): { dir: string; write(name: string, data: Uint8Array | string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'tonle-pki-'));
  return {
    dir,
    write(name, data) {
      const p = join(dir, name);
      writeFileSync(p, data);
      return p;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs /usr/bin/openssl; returns { ok, out } (stdout + stderr) instead of throwing. */
export function openssl(args: readonly string[]): { ok: boolean; out: string } {
  const r = spawnSync('/usr/bin/openssl', args, { encoding: 'utf8', timeout: 60_000 });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

export function pem(der: Uint8Array, label = 'CERTIFICATE'): string {
  return encodePem(label, der);
}

/** openssl's -attime wants epoch seconds. */
export function attime(ms: number): string {
  return String(Math.floor(ms / 1000));
}
