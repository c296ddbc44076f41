import { createHash, X509Certificate } from 'node:crypto';
import { describeId, memberId, securityServerId, subsystemId } from '@tonle/protocol';
import type {
  ClientId,
  ClientRef,
  GlobalConfiguration,
  GlobalGroupId,
  MemberId,
  SecurityServerId,
  SubsystemId,
  VerifiedGlobalConfiguration,
} from '@tonle/protocol';

/** A security server as the proxies need it. */
export interface SecurityServerInfo {
  readonly id: SecurityServerId;
  /** Host name or IP of its server proxy. */
  readonly address: string;
  /** SHA-256 hex (lower case) of its registered authentication certificates. */
  readonly authCertHashes: readonly string[];
  readonly maintenance: { readonly enabled: boolean; readonly message: string };
}

export interface OcspResponderInfo {
  readonly url: string;
  /** DER of a delegated responder certificate (RFC 6960 §4.2.2.2), when the CA does not sign itself. */
  readonly certificate?: Uint8Array;
}

export interface ApprovedCaInfo {
  readonly name: string;
  readonly authOnly: boolean;
  readonly certificateProfile: string;
  readonly topCertificate: Uint8Array;
  readonly intermediateCertificates: readonly Uint8Array[];
  readonly ocspResponders: readonly OcspResponderInfo[];
}

export interface ApprovedTsaInfo {
  readonly name: string;
  readonly url: string;
  readonly certificate: Uint8Array;
}

/**
 * A member or one of its subsystems as the configuration lists it (X-Road `GlobalConf.getMembers`): the
 * member's name, and the subsystem's name where the configuration has one (Tonle's has none yet).
 */
export interface GlobalConfClientInfo {
  readonly id: ClientId;
  readonly name: string;
  readonly subsystemName?: string;
}

/** The read model of one verified global configuration (X-Road GlobalConfProvider, trimmed). */
export interface GlobalConfView {
  readonly configuration: VerifiedGlobalConfiguration;
  readonly document: GlobalConfiguration;
  readonly instanceIdentifier: string;
  readonly version: number;
  readonly expiresAtMs: number;
  readonly ocspFreshnessSeconds: number;
  readonly timestampingIntervalSeconds: number;
  /** Security servers on which the client (member or subsystem) is registered. */
  serversHosting(client: ClientId): readonly SecurityServerInfo[];
  server(id: SecurityServerId): SecurityServerInfo | undefined;
  /** The server that registered this authentication certificate hash (SHA-256 hex), if any. */
  serverByAuthCertHash(sha256Hex: string): SecurityServerInfo | undefined;
  /** Every server listing this authentication certificate hash (normally at most one). */
  serversWithAuthCert(sha256Hex: string): readonly SecurityServerInfo[];
  isClientOf(server: SecurityServerId, client: ClientId): boolean;
  isInMaintenance(server: SecurityServerId): boolean;
  approvedCas(): readonly ApprovedCaInfo[];
  /** The approved CA whose top or intermediate certificate issued `certificate` (DER), with that issuer. */
  findIssuer(certificate: Uint8Array): { readonly ca: ApprovedCaInfo; readonly issuer: Uint8Array } | undefined;
  approvedTsas(): readonly ApprovedTsaInfo[];
  /** Exact membership of a client in a global group of this instance (X-Road: no member/subsystem widening). */
  isMemberOf(client: ClientId, group: GlobalGroupId): boolean;
  memberExists(id: MemberId): boolean;
  subsystemExists(id: SubsystemId): boolean;
  clientExists(id: ClientId): boolean;
  /** Every member of this instance followed by its subsystems, in configuration order (for `listClients`). */
  clients(): readonly GlobalConfClientInfo[];
}

function der(base64: string): Uint8Array {
  return new Uint8Array(Buffer.from(base64, 'base64'));
}

function clientFromRef(instance: string, ref: ClientRef): ClientId {
  // The document was validated by the registry's verifier; lenient keeps legacy identifiers usable.
  return ref.subsystemCode === undefined
    ? memberId(instance, ref.memberClass, ref.memberCode, { validation: 'lenient' })
    : subsystemId(instance, ref.memberClass, ref.memberCode, ref.subsystemCode, { validation: 'lenient' });
}

/** Builds the indexed read model once per configuration version. */
export function createGlobalConfView(configuration: VerifiedGlobalConfiguration): GlobalConfView {
  const doc = configuration.document;
  const instance = doc.instanceIdentifier;
  const servers: SecurityServerInfo[] = doc.securityServers.map((s) =>
    Object.freeze({
      id: securityServerId(instance, s.owner.memberClass, s.owner.memberCode, s.serverCode, { validation: 'lenient' }),
      address: s.address,
      authCertHashes: s.authCertHashes.map((h) => h.toLowerCase()),
      maintenance: s.maintenance,
    }),
  );
  const byId = new Map(servers.map((s) => [describeId(s.id), s]));
  const byAuthHash = new Map<string, SecurityServerInfo[]>();
  for (const s of servers) for (const h of s.authCertHashes) byAuthHash.set(h, [...(byAuthHash.get(h) ?? []), s]);
  const hosting = new Map<string, SecurityServerInfo[]>();
  const hostedBy = new Set<string>();
  doc.securityServers.forEach((s, i) => {
    const info = servers[i] as SecurityServerInfo;
    for (const ref of s.clients) {
      const key = describeId(clientFromRef(instance, ref));
      hosting.set(key, [...(hosting.get(key) ?? []), info]);
      hostedBy.add(`${describeId(info.id)}|${key}`);
    }
  });
  const members = new Set<string>();
  const subsystems = new Set<string>();
  const listed: GlobalConfClientInfo[] = [];
  for (const m of doc.members) {
    const member = memberId(instance, m.memberClass, m.memberCode, { validation: 'lenient' });
    members.add(describeId(member));
    listed.push(Object.freeze({ id: member, name: m.name }));
    for (const s of m.subsystems) {
      const subsystem = subsystemId(instance, m.memberClass, m.memberCode, s.subsystemCode, { validation: 'lenient' });
      subsystems.add(describeId(subsystem));
      listed.push(Object.freeze({ id: subsystem, name: m.name }));
    }
  }
  Object.freeze(listed);
  const groups = new Map<string, Set<string>>();
  for (const g of doc.globalGroups) {
    groups.set(g.groupCode, new Set(g.members.map((ref) => describeId(clientFromRef(instance, ref)))));
  }
  const cas: ApprovedCaInfo[] = doc.approvedCas.map((ca) =>
    Object.freeze({
      name: ca.name,
      authOnly: ca.authOnly,
      certificateProfile: ca.certificateProfile,
      topCertificate: der(ca.topCertificate),
      intermediateCertificates: ca.intermediateCertificates.map(der),
      ocspResponders: ca.ocspResponders.map((r) =>
        Object.freeze({ url: r.url, ...(r.certificate === undefined ? {} : { certificate: der(r.certificate) }) }),
      ),
    }),
  );
  // Parsed on first use; a CA certificate that does not parse issues nothing (fail closed) instead of breaking
  // every other lookup of this configuration.
  let issuers: { ca: ApprovedCaInfo; cert: Uint8Array; x509: X509Certificate }[] | undefined;
  const issuerList = () =>
    (issuers ??= cas.flatMap((ca) =>
      [ca.topCertificate, ...ca.intermediateCertificates].flatMap((cert) => {
        try {
          return [{ ca, cert, x509: new X509Certificate(cert) }];
        } catch {
          return [];
        }
      }),
    ));
  const issuerCache = new Map<string, { ca: ApprovedCaInfo; issuer: Uint8Array } | null>();
  const tsas: ApprovedTsaInfo[] = doc.approvedTsas.map((t) => Object.freeze({ name: t.name, url: t.url, certificate: der(t.certificate) }));

  return Object.freeze({
    configuration,
    document: doc,
    instanceIdentifier: instance,
    version: doc.version,
    expiresAtMs: configuration.expiresAtMs,
    ocspFreshnessSeconds: doc.settings.ocspFreshnessSeconds,
    timestampingIntervalSeconds: doc.settings.timestampingIntervalSeconds,
    serversHosting: (client: ClientId) => hosting.get(describeId(client)) ?? [],
    server: (id: SecurityServerId) => byId.get(describeId(id)),
    serverByAuthCertHash: (hex: string) => byAuthHash.get(hex.toLowerCase())?.[0],
    serversWithAuthCert: (hex: string) => byAuthHash.get(hex.toLowerCase()) ?? [],
    isClientOf: (server: SecurityServerId, client: ClientId) => hostedBy.has(`${describeId(server)}|${describeId(client)}`),
    isInMaintenance: (server: SecurityServerId) => byId.get(describeId(server))?.maintenance.enabled === true,
    approvedCas: () => cas,
    findIssuer(certificate: Uint8Array) {
      const key = createHash('sha256').update(certificate).digest('hex');
      const cached = issuerCache.get(key);
      if (cached !== undefined) return cached ?? undefined;
      let found: { ca: ApprovedCaInfo; issuer: Uint8Array } | null = null;
      try {
        const subject = new X509Certificate(certificate);
        const match = issuerList().find((i) => subject.checkIssued(i.x509) && subject.verify(i.x509.publicKey));
        if (match !== undefined) found = { ca: match.ca, issuer: match.cert };
      } catch {
        found = null;
      }
      if (issuerCache.size > 10_000) issuerCache.clear();
      issuerCache.set(key, found);
      return found ?? undefined;
    },
    approvedTsas: () => tsas,
    isMemberOf: (client: ClientId, group: GlobalGroupId) =>
      group.instance === instance && (groups.get(group.groupCode)?.has(describeId(client)) ?? false),
    memberExists: (id: MemberId) => members.has(describeId(id)),
    subsystemExists: (id: SubsystemId) => subsystems.has(describeId(id)),
    clientExists: (id: ClientId) => (id.type === 'MEMBER' ? members : subsystems).has(describeId(id)),
    clients: () => listed,
  });
}
