import { exportJWK, generateKeyPair } from 'jose';
import type { ConfigurationAnchor, GlobalConfiguration, GlobalConfSigningKey, VerificationKey } from '@tonle/protocol';

export const T0 = Date.parse('2026-03-01T10:00:00.000Z');
export const fixedClock = (ms: number) => ({ now: () => ms });

export async function newKey(kid: string, alg: 'ES256' | 'EdDSA' | 'PS256' = 'ES256'): Promise<{ signing: GlobalConfSigningKey; verification: VerificationKey }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  const publicJwk =
    jwk.kty === 'EC' ? { kty: 'EC' as const, crv: jwk.crv!, x: jwk.x!, y: jwk.y! } : jwk.kty === 'OKP' ? { kty: 'OKP' as const, crv: jwk.crv!, x: jwk.x! } : { kty: 'RSA' as const, n: jwk.n!, e: jwk.e! };
  return { signing: { kid, alg, privateKey }, verification: { kid, alg, publicKey: publicJwk } };
}

export function anchorFor(keys: readonly VerificationKey[], instance = 'TEST'): ConfigurationAnchor {
  return { format: 'tonle-configuration-anchor/1', instanceIdentifier: instance, generatedAt: new Date(T0).toISOString(), sources: [{ address: 'http://127.0.0.1:1/globalconf', verificationKeys: keys }] };
}

export function documentFor(options: { version?: number; generatedAt?: number; keys: readonly (VerificationKey & { status: 'current' | 'next' })[]; instance?: string }): GlobalConfiguration {
  const generatedAt = options.generatedAt ?? T0;
  return {
    formatVersion: 1,
    instanceIdentifier: options.instance ?? 'TEST',
    version: options.version ?? 1,
    generatedAt: new Date(generatedAt).toISOString(),
    expiresAt: new Date(generatedAt + 600_000).toISOString(),
    sources: [{ address: 'http://127.0.0.1:1/globalconf', verificationKeys: options.keys }],
    members: [
      { memberClass: 'GOV', memberCode: '123', name: 'Ministry', subsystems: [{ subsystemCode: 'sub' }] },
      { memberClass: 'COM', memberCode: '456', name: 'Company', subsystems: [] },
    ],
    securityServers: [
      {
        owner: { memberClass: 'GOV', memberCode: '123' },
        serverCode: 'ss1',
        address: 'ss1.example.org',
        authCertHashes: ['a'.repeat(64)],
        clients: [{ memberClass: 'GOV', memberCode: '123', subsystemCode: 'sub' }],
        maintenance: { enabled: false, message: '' },
      },
    ],
    approvedCas: [{ name: 'Test CA', authOnly: false, certificateProfile: 'ejbca', topCertificate: 'AAAA', intermediateCertificates: [], ocspResponders: [{ url: 'http://127.0.0.1:2/ocsp' }] }],
    approvedTsas: [{ name: 'Test TSA', url: 'http://127.0.0.1:3/tsa', certificate: 'AAAA' }],
    globalGroups: [{ groupCode: 'security-server-owners', description: 'Security server owners', members: [{ memberClass: 'GOV', memberCode: '123' }] }],
    settings: { memberClasses: [{ code: 'GOV', description: 'Government' }, { code: 'COM', description: 'Commercial' }], ocspFreshnessSeconds: 3600, timestampingIntervalSeconds: 60 },
  };
}
