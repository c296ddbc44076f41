import { createHash } from 'node:crypto';
import { signGlobalConfiguration, type GlobalConfiguration, type GlobalConfSigningKey } from '@tonle/protocol';
import { RegistryError } from '../errors/index.ts';
import { SECURITY_SERVER_OWNERS, sameMember, type RegistryState } from '../state/index.ts';
import { unlockSigningKey } from '../signing-keys/index.ts';
import type { PublishedConfiguration } from '../store/index.ts';

/**
 * The global configuration for `state` (architecture §4): published keys are the current and the next
 * signing key; `security-server-owners` is derived from the registered servers (xroad-digest §1.1).
 */
export function buildGlobalConfiguration(state: RegistryState, options: { version: number; now: number }): GlobalConfiguration {
  const keys = state.signingKeys
    .filter((k) => k.status !== 'retired')
    .map((k) => ({ kid: k.kid, alg: k.alg, publicKey: k.publicKey, status: k.status as 'current' | 'next' }));
  const owners: { memberClass: string; memberCode: string }[] = [];
  for (const s of state.securityServers) if (!owners.some((o) => sameMember(o, s.owner))) owners.push({ memberClass: s.owner.memberClass, memberCode: s.owner.memberCode });
  return {
    formatVersion: 1,
    instanceIdentifier: state.instanceIdentifier,
    version: options.version,
    generatedAt: new Date(options.now).toISOString(),
    expiresAt: new Date(options.now + state.settings.configurationValiditySeconds * 1000).toISOString(),
    sources: state.configurationUrls.map((address) => ({ address, verificationKeys: keys })),
    members: state.members.map((m) => ({ memberClass: m.memberClass, memberCode: m.memberCode, name: m.name, subsystems: m.subsystems })),
    securityServers: state.securityServers.map((s) => ({
      owner: s.owner,
      serverCode: s.serverCode,
      address: s.address,
      authCertHashes: s.authCerts.map((c) => c.hash),
      clients: s.clients,
      maintenance: s.maintenance,
    })),
    approvedCas: state.approvedCas,
    approvedTsas: state.approvedTsas,
    globalGroups: [
      { groupCode: SECURITY_SERVER_OWNERS, description: 'Security server owners (maintained automatically)', members: owners },
      ...state.globalGroups,
    ],
    settings: {
      memberClasses: state.memberClasses,
      ocspFreshnessSeconds: state.settings.ocspFreshnessSeconds,
      timestampingIntervalSeconds: state.settings.timestampingIntervalSeconds,
    },
  };
}

/** Builds and signs the configuration with the current signing key. */
export async function signConfiguration(state: RegistryState, options: { version: number; now: number; stateRevision: number; pin?: string | undefined }): Promise<PublishedConfiguration> {
  const current = state.signingKeys.find((k) => k.status === 'current');
  if (current === undefined) throw new RegistryError('TONLE_ERR_REGISTRY_NOT_INITIALIZED', 'No current configuration signing key; initialise the registry first.');
  const document = buildGlobalConfiguration(state, options);
  const key: GlobalConfSigningKey = { kid: current.kid, alg: current.alg, privateKey: unlockSigningKey(current, options.pin) };
  const jws = await signGlobalConfiguration(document, key);
  return {
    version: options.version,
    jws,
    etag: `"${createHash('sha256').update(jws).digest('hex').slice(0, 40)}"`,
    generatedAtMs: options.now,
    expiresAtMs: Date.parse(document.expiresAt),
    stateRevision: options.stateRevision,
  };
}
