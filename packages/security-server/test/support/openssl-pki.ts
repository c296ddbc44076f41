/**
 * A throwaway PKI for the exchange tests, made by the real `openssl` CLI per run (never committed keys):
 * a CA, member signing certificates (ejbca-style subject C=instance, O=class, CN=code), security server
 * authentication certificates, and real RFC 6960 OCSP responses signed by the CA (`openssl ocsp`).
 * Used until @tonle/test-kit's createTestPki() is merged into this branch.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type KeyType = 'ec' | 'rsa2048' | 'rsa3072' | 'ed25519';

export interface IssuedCert {
  readonly name: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly der: Uint8Array;
  readonly privateKey: KeyObject;
  readonly serialHex: string;
  readonly certFile: string;
  readonly keyFile: string;
}

function newKeyArgs(type: KeyType): string[] {
  switch (type) {
    case 'ec':
      return ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
    case 'rsa2048':
      return ['-newkey', 'rsa:2048'];
    case 'rsa3072':
      return ['-newkey', 'rsa:3072'];
    case 'ed25519':
      return ['-newkey', 'ed25519'];
  }
}

function opensslDate(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
}

export interface OpensslPki {
  readonly dir: string;
  readonly ca: IssuedCert;
  issue(input: { name: string; subject: string; keyType?: KeyType; usage: 'sign' | 'auth'; days?: number }): IssuedCert;
  /** A real OCSP response for `cert`, signed by the CA, thisUpdate = now. */
  ocsp(cert: IssuedCert, status?: 'good' | 'revoked'): Uint8Array;
  /** OpenSSL's own verification of an OCSP response (test stand-in for @tonle/pki verifyOcspResponse). */
  verifyOcsp(input: { response: Uint8Array; certificate: Uint8Array; issuer: Uint8Array }): { status: 'good' | 'revoked' | 'unknown'; thisUpdate: number; nextUpdate?: number };
  cleanup(): void;
}

/** Creates a CA in a fresh temporary folder. */
export function createOpensslPki(caName = 'Tonle Test CA', caKey: KeyType = 'ec'): OpensslPki {
  const dir = mkdtempSync(join(tmpdir(), 'tonle-pki-'));
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const read = (file: string) => readFileSync(join(dir, file), 'utf8');
  const load = (name: string): IssuedCert => {
    const certPem = read(`${name}.pem`);
    const keyPem = read(`${name}.key`);
    const x = new X509Certificate(certPem);
    return { name, certPem, keyPem, der: new Uint8Array(x.raw), privateKey: createPrivateKey(keyPem), serialHex: x.serialNumber.toUpperCase(), certFile: join(dir, `${name}.pem`), keyFile: join(dir, `${name}.key`) };
  };
  run(['req', '-x509', ...newKeyArgs(caKey), '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', `/CN=${caName}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  const ca = load('ca');
  const index: string[] = [];
  let serial = 0x1000;
  return {
    dir,
    ca,
    issue({ name, subject, keyType = 'ec', usage, days = 10 }) {
      run(['req', '-new', ...newKeyArgs(keyType), '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
      const ext = usage === 'sign'
        ? 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,nonRepudiation\n'
        : 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth,serverAuth\n';
      writeFileSync(join(dir, `${name}.ext`), ext);
      serial += 1;
      run(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', `0x${serial.toString(16)}`, '-out', `${name}.pem`, '-days', String(days), '-extfile', `${name}.ext`]);
      const cert = load(name);
      index.push([name, cert.serialHex, subject].join('\t'));
      return cert;
    },
    ocsp(cert, status = 'good') {
      const exp = opensslDate(Date.now() + 365 * 86_400_000);
      const lines = index.map((line) => {
        const [n, s, subj] = line.split('\t') as [string, string, string];
        return n === cert.name && status === 'revoked' ? `R\t${exp}\t${opensslDate(Date.now() - 60_000)}\t${s}\tunknown\t${subj}` : `V\t${exp}\t\t${s}\tunknown\t${subj}`;
      });
      writeFileSync(join(dir, 'index.txt'), `${lines.join('\n')}\n`);
      // Several certificates of one member share a subject (re-keying); OpenSSL's index must allow that.
      writeFileSync(join(dir, 'index.txt.attr'), 'unique_subject = no\n');
      run(['ocsp', '-issuer', 'ca.pem', '-cert', `${cert.name}.pem`, '-reqout', `${cert.name}.ocspreq`, '-no_nonce']);
      run(['ocsp', '-index', 'index.txt', '-rsigner', 'ca.pem', '-rkey', 'ca.key', '-CA', 'ca.pem', '-reqin', `${cert.name}.ocspreq`, '-respout', `${cert.name}.ocsp`, '-ndays', '1']);
      return new Uint8Array(readFileSync(join(dir, `${cert.name}.ocsp`)));
    },
    verifyOcsp({ response, certificate, issuer }) {
      const tag = Math.random().toString(36).slice(2);
      writeFileSync(join(dir, `${tag}.resp`), response);
      writeFileSync(join(dir, `${tag}.cert.pem`), new X509Certificate(certificate).toString());
      writeFileSync(join(dir, `${tag}.issuer.pem`), new X509Certificate(issuer).toString());
      let out: string;
      try {
        out = execFileSync('openssl', ['ocsp', '-respin', `${tag}.resp`, '-issuer', `${tag}.issuer.pem`, '-cert', `${tag}.cert.pem`, '-CAfile', 'ca.pem', '-no_nonce'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
      } catch (error) {
        throw new Error('openssl rejected the OCSP response', { cause: error });
      }
      const m = /: (good|revoked|unknown)\s+This Update: ([^\n]+)\n(?:\s+Next Update: ([^\n]+))?/.exec(out);
      if (m === null) throw new Error('unexpected openssl ocsp output');
      return { status: m[1] as 'good' | 'revoked' | 'unknown', thisUpdate: Date.parse(m[2] as string), ...(m[3] === undefined ? {} : { nextUpdate: Date.parse(m[3]) }) };
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The ejbca certificate profile (C=instance, O=member class, CN=member code), for the tests' trust wiring. */
export function ejbcaMemberId(der: Uint8Array, instance: string): { type: 'MEMBER'; instance: string; memberClass: string; memberCode: string } {
  const subject = new X509Certificate(der).subject.split('\n');
  const get = (k: string) => subject.find((l) => l.startsWith(`${k}=`))?.slice(k.length + 1);
  const c = get('C');
  const o = get('O');
  const cn = get('CN');
  if (c !== instance || o === undefined || cn === undefined) throw new Error('the certificate does not name a member of this instance');
  return { type: 'MEMBER', instance, memberClass: o, memberCode: cn };
}
