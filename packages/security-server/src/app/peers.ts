import { GatewayFault, securityServerId, type ClientId, type ClientRef, type Clock, type VerifiedGlobalConfiguration } from '@tonle/protocol';
import type { ExchangeConfView, ExchangeGlobalConf, PeerServer } from './services.ts';

function refMatches(ref: ClientRef, id: ClientId): boolean {
  if (ref.memberClass !== id.memberClass || ref.memberCode !== id.memberCode) return false;
  return id.type === 'SUBSYSTEM' ? ref.subsystemCode === id.subsystemCode : ref.subsystemCode === undefined;
}

/** The read model the proxies use, over one verified configuration document. */
export function confView(conf: VerifiedGlobalConfiguration): ExchangeConfView {
  const doc = conf.document;
  const instance = doc.instanceIdentifier;
  const all = doc.securityServers.map((s) => ({
    entry: s,
    server: { id: securityServerId(instance, s.owner.memberClass, s.owner.memberCode, s.serverCode), address: s.address, authCertHashes: s.authCertHashes },
  }));
  const der = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));
  const approvedCas = doc.approvedCas.map((ca) => ({
    name: ca.name,
    authOnly: ca.authOnly,
    certificateProfile: ca.certificateProfile,
    topCertificate: der(ca.topCertificate),
    intermediateCertificates: ca.intermediateCertificates.map(der),
  }));
  return {
    instanceIdentifier: instance,
    approvedCas,
    ocspFreshnessSeconds: doc.settings.ocspFreshnessSeconds,
    serversHosting(client) {
      if (client.instance !== instance) return [];
      return all
        .filter(({ entry }) =>
          entry.clients.some((ref) => refMatches(ref, client)) ||
          // The owner member is always a client of its own server (xroad-digest 1.1).
          (client.type === 'MEMBER' && entry.owner.memberClass === client.memberClass && entry.owner.memberCode === client.memberCode))
        .map(({ entry, server }) => ({ ...server, maintenance: entry.maintenance.enabled }));
    },
    serversWithAuthCert(hash) {
      return all.filter(({ entry }) => entry.authCertHashes.includes(hash)).map(({ server }) => server);
    },
    isMemberOf(client, group) {
      if (group.instance !== instance || client.instance !== instance) return false;
      const entry = doc.globalGroups.find((g) => g.groupCode === group.groupCode);
      return entry !== undefined && entry.members.some((ref) => refMatches(ref, client));
    },
  };
}

/**
 * An {@link ExchangeGlobalConf} over whatever verified document `latest()` returns; refuses with the
 * side's OutdatedGlobalConf once it expired and serves again as soon as a fresh one is there.
 */
export function exchangeGlobalConf(latest: () => VerifiedGlobalConfiguration | undefined, clock: Clock): ExchangeGlobalConf {
  let cached: { conf: VerifiedGlobalConfiguration; view: ExchangeConfView } | undefined;
  return {
    current(side) {
      const conf = latest();
      if (conf === undefined || clock.now() >= conf.expiresAtMs) {
        throw new GatewayFault(side === 'client' ? 'Server.ClientProxy.OutdatedGlobalConf' : 'Server.ServerProxy.OutdatedGlobalConf');
      }
      if (cached === undefined || cached.conf !== conf) cached = { conf, view: confView(conf) };
      return cached.view;
    },
  };
}

export type { PeerServer };
