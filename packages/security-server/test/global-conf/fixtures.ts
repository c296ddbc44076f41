// A small, real trust world for global-conf and OCSP tests: a CA, a delegated OCSP responder, member
// certificates (generated per run with @tonle/pki) and a configuration signed with a fresh key.
import { exportJWK, generateKeyPair as joseKeyPair } from 'jose';
import { generateKeyPair, issueCertificate } from '@tonle/pki';
import type { KeyPair } from '@tonle/pki';
import { signGlobalConfiguration } from '@tonle/protocol';
import type { ConfigurationAnchor, GlobalConfiguration, GlobalConfSigningKey, VerificationKey } from '@tonle/protocol';

export const T0 = Date.parse('2026-03-01T10:00:00.000Z');
export const DAY = 86_400_000;

export interface MutableClock {
  now(): number;
  set(ms: number): void;
  advance(ms: number): void;
}
export function mutableClock(start = T0): MutableClock {
  let t = start;
  return { now: () => t, set: (ms) => void (t = ms), advance: (ms) => void (t += ms) };
}

export interface TestPki {
  readonly caKeys: KeyPair;
  readonly caCert: Uint8Array;
  readonly responderKeys: KeyPair;
  readonly responderCert: Uint8Array;
  readonly signKeys: KeyPair;
  readonly signCert: Uint8Array;
  readonly foreignCaCert: Uint8Array;
  readonly foreignCert: Uint8Array;
}

export async function createTestPki(ocspUrl: string): Promise<TestPki> {
  const caKeys = await generateKeyPair('P-256');
  const caSubject = [{ type: 'CN', value: 'Tonle Test CA' }];
  const caCert = await issueCertificate({
    publicKey: caKeys.publicKey,
    subject: caSubject,
    signingKey: caKeys.privateKey,
    notBefore: T0 - DAY,
    notAfter: T0 + 365 * DAY,
    keyUsage: ['keyCertSign', 'cRLSign'],
    basicConstraints: { ca: true },
  });
  const responderKeys = await generateKeyPair('P-256');
  const responderCert = await issueCertificate({
    publicKey: responderKeys.publicKey,
    subject: [{ type: 'CN', value: 'Tonle Test OCSP' }],
    signingKey: caKeys.privateKey,
    issuerCertificate: caCert,
    notBefore: T0 - DAY,
    notAfter: T0 + 365 * DAY,
    keyUsage: ['digitalSignature'],
    extendedKeyUsage: ['ocspSigning'],
    ocspNoCheck: true,
  });
  const signKeys = await generateKeyPair('P-256');
  const signCert = await issueCertificate({
    publicKey: signKeys.publicKey,
    subject: [
      { type: 'C', value: 'EE' },
      { type: 'O', value: 'GOV' },
      { type: 'CN', value: '123' },
    ],
    signingKey: caKeys.privateKey,
    issuerCertificate: caCert,
    notBefore: T0 - DAY,
    notAfter: T0 + 365 * DAY,
    keyUsage: ['digitalSignature', 'nonRepudiation'],
    ocspUrls: [ocspUrl],
  });
  const foreignKeys = await generateKeyPair('P-256');
  const foreignCaCert = await issueCertificate({
    publicKey: foreignKeys.publicKey,
    subject: [{ type: 'CN', value: 'Not Approved CA' }],
    signingKey: foreignKeys.privateKey,
    notBefore: T0 - DAY,
    notAfter: T0 + 365 * DAY,
    keyUsage: ['keyCertSign'],
    basicConstraints: { ca: true },
  });
  const foreignCert = await issueCertificate({
    publicKey: (await generateKeyPair('P-256')).publicKey,
    subject: [{ type: 'CN', value: 'someone' }],
    signingKey: foreignKeys.privateKey,
    issuerCertificate: foreignCaCert,
    notBefore: T0 - DAY,
    notAfter: T0 + 365 * DAY,
    keyUsage: ['digitalSignature'],
  });
  return { caKeys, caCert, responderKeys, responderCert, signKeys, signCert, foreignCaCert, foreignCert };
}

export async function confSigningKey(kid = 'k1'): Promise<{ signing: GlobalConfSigningKey; verification: VerificationKey }> {
  const { privateKey, publicKey } = await joseKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  return {
    signing: { kid, alg: 'ES256', privateKey },
    verification: { kid, alg: 'ES256', publicKey: { kty: 'EC', crv: jwk.crv as string, x: jwk.x as string, y: jwk.y as string } },
  };
}

export function anchorFor(source: string, key: VerificationKey): ConfigurationAnchor {
  return {
    format: 'tonle-configuration-anchor/1',
    instanceIdentifier: 'TEST',
    generatedAt: new Date(T0).toISOString(),
    sources: [{ address: source, verificationKeys: [key] }],
  };
}

const b64 = (der: Uint8Array) => Buffer.from(der).toString('base64');

export function documentFor(o: {
  source: string;
  key: VerificationKey;
  version?: number;
  generatedAt?: number;
  pki?: TestPki;
  ocspUrl?: string;
  maintenance?: boolean;
}): GlobalConfiguration {
  const generatedAt = o.generatedAt ?? T0;
  const pki = o.pki;
  return {
    formatVersion: 1,
    instanceIdentifier: 'TEST',
    version: o.version ?? 1,
    generatedAt: new Date(generatedAt).toISOString(),
    expiresAt: new Date(generatedAt + 600_000).toISOString(),
    sources: [{ address: o.source, verificationKeys: [{ ...o.key, status: 'current' }] }],
    members: [
      { memberClass: 'GOV', memberCode: '123', name: 'Ministry', subsystems: [{ subsystemCode: 'sub' }] },
      { memberClass: 'COM', memberCode: '456', name: 'Company', subsystems: [{ subsystemCode: 'app' }] },
    ],
    securityServers: [
      {
        owner: { memberClass: 'GOV', memberCode: '123' },
        serverCode: 'ss1',
        address: 'ss1.example.org',
        authCertHashes: ['a'.repeat(64)],
        clients: [{ memberClass: 'GOV', memberCode: '123', subsystemCode: 'sub' }],
        maintenance: { enabled: o.maintenance ?? false, message: o.maintenance === true ? 'upgrade' : '' },
      },
      {
        owner: { memberClass: 'COM', memberCode: '456' },
        serverCode: 'ss2',
        address: 'ss2.example.org',
        authCertHashes: ['b'.repeat(64)],
        clients: [
          { memberClass: 'COM', memberCode: '456', subsystemCode: 'app' },
          { memberClass: 'GOV', memberCode: '123', subsystemCode: 'sub' },
        ],
        maintenance: { enabled: false, message: '' },
      },
    ],
    approvedCas:
      pki === undefined
        ? []
        : [
            {
              name: 'Tonle Test CA',
              authOnly: false,
              certificateProfile: 'ejbca',
              topCertificate: b64(pki.caCert),
              intermediateCertificates: [],
              ocspResponders: [{ url: o.ocspUrl ?? 'http://127.0.0.1:1/ocsp', certificate: b64(pki.responderCert) }],
            },
          ],
    approvedTsas: pki === undefined ? [] : [{ name: 'Test TSA', url: 'http://127.0.0.1:1/tsa', certificate: b64(pki.caCert) }],
    globalGroups: [
      { groupCode: 'security-server-owners', description: 'owners', members: [{ memberClass: 'GOV', memberCode: '123' }] },
      { groupCode: 'apps', description: 'apps', members: [{ memberClass: 'COM', memberCode: '456', subsystemCode: 'app' }] },
    ],
    settings: {
      memberClasses: [
        { code: 'GOV', description: 'Government' },
        { code: 'COM', description: 'Commercial' },
      ],
      ocspFreshnessSeconds: 3600,
      timestampingIntervalSeconds: 60,
    },
  };
}

export { signGlobalConfiguration };
