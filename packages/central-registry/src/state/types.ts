import type {
  ApprovedCaEntry,
  ApprovedTsaEntry,
  ClientRef,
  GlobalConfAlgorithm,
  MemberClassEntry,
  ManagementRequestType,
  MemberRef,
  PublicJwk,
} from '@tonle/protocol';

/** A server reference inside the instance: owner + server code. */
export interface ServerRef {
  readonly memberClass: string;
  readonly memberCode: string;
  readonly serverCode: string;
}

export interface MemberRecord {
  readonly memberClass: string;
  readonly memberCode: string;
  readonly name: string;
  readonly subsystems: readonly { readonly subsystemCode: string }[];
}

export interface AuthCertRecord {
  /** SHA-256 of the DER, lowercase hex: what the global configuration publishes. */
  readonly hash: string;
  /** Base64 DER, kept so operators can see what was registered. */
  readonly certificate: string;
}

export interface SecurityServerRecord {
  readonly owner: MemberRef;
  readonly serverCode: string;
  readonly address: string;
  readonly authCerts: readonly AuthCertRecord[];
  readonly clients: readonly ClientRef[];
  readonly maintenance: { readonly enabled: boolean; readonly message: string };
}

export interface GlobalGroupRecord {
  readonly groupCode: string;
  readonly description: string;
  readonly members: readonly ClientRef[];
}

export type { ManagementRequestType } from '@tonle/protocol';

export type ManagementRequestStatus = 'pending' | 'approved' | 'rejected' | 'revoked';

export interface ManagementRequestRecord {
  /** Registry-assigned id used in the admin API. */
  readonly id: string;
  /** The submitter's request id (replay protection). */
  readonly requestId: string;
  readonly type: ManagementRequestType;
  readonly status: ManagementRequestStatus;
  readonly server: ServerRef;
  readonly receivedAt: string;
  readonly decidedAt?: string;
  readonly decidedBy?: string;
  /** The member whose signing certificate signed the request. */
  readonly signedBy: MemberRef;
  readonly address?: string;
  readonly authCert?: AuthCertRecord;
  readonly authCertHash?: string;
  readonly client?: ClientRef;
  readonly message?: string;
}

export type SigningKeyStatus = 'current' | 'next' | 'retired';

export interface SigningKeyRecord {
  readonly kid: string;
  readonly alg: GlobalConfAlgorithm;
  readonly status: SigningKeyStatus;
  readonly createdAt: string;
  readonly publicKey: PublicJwk;
  /**
   * PKCS#8 PEM of the private key, encrypted with the registry's signing-key PIN when one is configured.
   * Kept in the store so every registry node can sign; never returned by the API nor written to the
   * audit log; emptied when the key is retired.
   */
  readonly privateKeyPem: string;
}

export type Role = 'registration-officer' | 'security-officer' | 'system-administrator' | 'observer';

export interface ApiKeyRecord {
  readonly id: string;
  readonly name: string;
  /** SHA-256 hex of the key; the key itself is shown once, at creation. */
  readonly hash: string;
  readonly roles: readonly Role[];
  readonly createdAt: string;
}

export interface RegistrySettings {
  readonly ocspFreshnessSeconds: number;
  readonly timestampingIntervalSeconds: number;
  /** `expiresAt - generatedAt` of each published configuration (X-Road default 600). */
  readonly configurationValiditySeconds: number;
  /** How far a management request's signed `createdAt` may be from the registry clock. */
  readonly requestMaxAgeSeconds: number;
  /** X-Road's auto-approval switches, off by default. */
  readonly autoApprove: { readonly authCertReg: boolean; readonly clientReg: boolean };
}

/** Everything the registry persists, as one JSON document written atomically. */
export interface RegistryState {
  readonly schemaVersion: 1;
  readonly instanceIdentifier: string;
  /** Absolute URLs where the signed configuration is served (the anchor's sources). */
  readonly configurationUrls: readonly string[];
  readonly memberClasses: readonly MemberClassEntry[];
  readonly members: readonly MemberRecord[];
  readonly securityServers: readonly SecurityServerRecord[];
  readonly approvedCas: readonly ApprovedCaEntry[];
  readonly approvedTsas: readonly ApprovedTsaEntry[];
  readonly globalGroups: readonly GlobalGroupRecord[];
  readonly settings: RegistrySettings;
  readonly managementRequests: readonly ManagementRequestRecord[];
  readonly signingKeys: readonly SigningKeyRecord[];
  readonly apiKeys: readonly ApiKeyRecord[];
}

/** The automatically maintained global group (xroad-digest §1.1). */
export const SECURITY_SERVER_OWNERS = 'security-server-owners';
