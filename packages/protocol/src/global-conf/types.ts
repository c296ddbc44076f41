/**
 * The global configuration document (architecture §4, X-Road's shared + private parameters, xroad-digest
 * §4.4-4.5) as Tonle publishes it: one JSON object, signed as a compact JWS by the registry's
 * configuration signing key. Identifiers inside the document omit the instance, which is the document's
 * `instanceIdentifier`.
 */

/** The JWS algorithms a configuration signing key may use. */
export type GlobalConfAlgorithm = 'ES256' | 'ES384' | 'EdDSA' | 'PS256' | 'RS256';

/** A public JSON Web Key (RFC 7517) as it appears in the anchor and the configuration. */
export interface PublicJwk {
  readonly kty: 'EC' | 'OKP' | 'RSA';
  readonly crv?: string;
  readonly x?: string;
  readonly y?: string;
  readonly n?: string;
  readonly e?: string;
}

/** One configuration verification key. */
export interface VerificationKey {
  /** Key id, carried as `kid` in the JWS header. */
  readonly kid: string;
  readonly alg: GlobalConfAlgorithm;
  readonly publicKey: PublicJwk;
}

/**
 * A key announced inside the configuration: `current` signs now, `next` will sign after the rotation.
 * A client trusts both, so the switch needs no new anchor (xroad-digest §4.1: keys propagate in global conf).
 */
export interface AnnouncedVerificationKey extends VerificationKey {
  readonly status: 'current' | 'next';
}

/** Where the configuration can be downloaded, with the keys that sign it. */
export interface ConfigurationSource {
  /** Absolute http(s) URL of the signed configuration. */
  readonly address: string;
  readonly verificationKeys: readonly AnnouncedVerificationKey[];
}

/** A reference to a member or one of its subsystems, within the document's instance. */
export interface ClientRef {
  readonly memberClass: string;
  readonly memberCode: string;
  readonly subsystemCode?: string;
}

/** A member reference (no subsystem). */
export interface MemberRef {
  readonly memberClass: string;
  readonly memberCode: string;
}

export interface SubsystemEntry {
  readonly subsystemCode: string;
}

export interface MemberEntry {
  readonly memberClass: string;
  readonly memberCode: string;
  readonly name: string;
  readonly subsystems: readonly SubsystemEntry[];
}

export interface SecurityServerEntry {
  readonly owner: MemberRef;
  readonly serverCode: string;
  /** Host name or IP address the server proxy listens on (X-Road `address`). */
  readonly address: string;
  /** SHA-256 of each registered authentication certificate's DER, lowercase hex. */
  readonly authCertHashes: readonly string[];
  readonly clients: readonly ClientRef[];
  readonly maintenance: { readonly enabled: boolean; readonly message: string };
}

export interface OcspResponderEntry {
  readonly url: string;
  /** Base64 DER of the responder certificate when it is not the CA itself (RFC 6960 §4.2.2.2). */
  readonly certificate?: string;
}

export interface ApprovedCaEntry {
  readonly name: string;
  /** Only authentication certificates may be issued under this CA (X-Road `authenticationOnly`). */
  readonly authOnly: boolean;
  /** Name of the certificate profile that maps a signing certificate's subject to a member id. */
  readonly certificateProfile: string;
  /** Base64 DER of the top CA certificate. */
  readonly topCertificate: string;
  /** Base64 DER of intermediate CA certificates. */
  readonly intermediateCertificates: readonly string[];
  readonly ocspResponders: readonly OcspResponderEntry[];
}

export interface ApprovedTsaEntry {
  readonly name: string;
  readonly url: string;
  /** Base64 DER of the TSA certificate. */
  readonly certificate: string;
}

export interface GlobalGroupEntry {
  readonly groupCode: string;
  readonly description: string;
  readonly members: readonly ClientRef[];
}

export interface MemberClassEntry {
  readonly code: string;
  readonly description: string;
}

export interface GlobalSettings {
  readonly memberClasses: readonly MemberClassEntry[];
  /** How old an OCSP response may be and still count as fresh (X-Road default 3600). */
  readonly ocspFreshnessSeconds: number;
  /** How often message-log checkpoints are time-stamped (X-Road `timeStampingIntervalSeconds`). */
  readonly timestampingIntervalSeconds: number;
}

/** The signed payload of the global configuration, exactly as on the wire. */
export interface GlobalConfiguration {
  readonly formatVersion: 1;
  readonly instanceIdentifier: string;
  /** Increases with every publication; a client refuses a lower version than the last it accepted. */
  readonly version: number;
  /** ISO 8601 UTC. */
  readonly generatedAt: string;
  /** ISO 8601 UTC; after this instant the configuration must not be used (xroad-digest §4.6). */
  readonly expiresAt: string;
  readonly sources: readonly ConfigurationSource[];
  readonly members: readonly MemberEntry[];
  readonly securityServers: readonly SecurityServerEntry[];
  readonly approvedCas: readonly ApprovedCaEntry[];
  readonly approvedTsas: readonly ApprovedTsaEntry[];
  readonly globalGroups: readonly GlobalGroupEntry[];
  readonly settings: GlobalSettings;
}

/** A configuration whose signature, expiry, instance and version were checked. Deeply frozen. */
export interface VerifiedGlobalConfiguration {
  readonly document: GlobalConfiguration;
  /** The compact JWS it came from, to cache or forward unchanged. */
  readonly jws: string;
  /** The `kid` of the key that signed it. */
  readonly signedBy: string;
  /** `generatedAt` / `expiresAt` as epoch milliseconds. */
  readonly generatedAtMs: number;
  readonly expiresAtMs: number;
}

/**
 * The configuration anchor: given to each security server out of band, it is the root of trust for
 * the first download (xroad-digest §4.1, Annex E).
 */
export interface ConfigurationAnchor {
  readonly format: 'tonle-configuration-anchor/1';
  readonly instanceIdentifier: string;
  readonly generatedAt: string;
  readonly sources: readonly {
    readonly address: string;
    readonly verificationKeys: readonly VerificationKey[];
  }[];
}

/**
 * What a configuration is verified against: the anchor's keys before the first download, then the keys
 * announced in the last verified configuration, with its version as the floor.
 */
export interface GlobalConfTrust {
  readonly instanceIdentifier: string;
  readonly keys: readonly VerificationKey[];
  /** The version of the last accepted configuration; a lower one is refused as a rollback. */
  readonly minVersion?: number;
}
