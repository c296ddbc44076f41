import type { ClientId, GlobalGroupId, LocalGroupId, MemberId, ServiceId, SubsystemId } from '@tonle/protocol';

/**
 * How a hosted client's information system must connect to the client proxy (X-Road ug-ss 9.2):
 * plain HTTP, HTTPS without client authentication, or HTTPS with a registered client certificate.
 */
export type IsAuthenticationMode = 'NOSSL' | 'SSLNOAUTH' | 'SSLAUTH';
export const IS_AUTHENTICATION_MODES: readonly IsAuthenticationMode[] = ['NOSSL', 'SSLNOAUTH', 'SSLAUTH'];

/** Local life cycle of a hosted client (X-Road ug-ss 4.1; the registry's view comes from global conf). */
export type ClientStatus = 'SAVED' | 'REGISTRATION_IN_PROGRESS' | 'REGISTERED' | 'DISABLED' | 'DELETION_IN_PROGRESS';
export const CLIENT_STATUSES: readonly ClientStatus[] = [
  'SAVED',
  'REGISTRATION_IN_PROGRESS',
  'REGISTERED',
  'DISABLED',
  'DELETION_IN_PROGRESS',
];

export interface HostedClient {
  readonly id: ClientId;
  readonly status: ClientStatus;
  readonly isAuthentication: IsAuthenticationMode;
  /** SHA-256 hex (lower case) of the DER of each information-system certificate accepted with SSLAUTH. */
  readonly isCertHashes: readonly string[];
}

export type ServiceType = 'REST' | 'OPENAPI3';
export const SERVICE_TYPES: readonly ServiceType[] = ['REST', 'OPENAPI3'];

/** `method` is an upper-case HTTP method or `*`; `path` is a glob (`*` one segment, `**` anything). */
export interface Endpoint {
  readonly method: string;
  readonly path: string;
}

/**
 * Service codes that name metaservices (xroad-digest §2.9; reserved since X-Road 7.7, XRDDEV-599): a service
 * with one of these codes could never be called, since the metaservice answers first.
 */
export const RESERVED_SERVICE_CODES: readonly string[] = ['listClients', 'listMethods', 'allowedMethods', 'getOpenAPI', 'getWsdl'];

export interface ServiceConf {
  /** The provider subsystem plus the service code. */
  readonly id: ServiceId;
  readonly type: ServiceType;
  /** Base URL of the provider information system (http: or https:). */
  readonly url: string;
  readonly timeoutSeconds: number;
  /** Verify the provider's TLS certificate (https only). */
  readonly tlsVerify: boolean;
  /** SHA-256 hex of DER certificates the provider must present; empty = system trust store. */
  readonly pinnedCertHashes: readonly string[];
  readonly enabled: boolean;
  /** Shown to callers in the `ServiceDisabled` fault while `enabled` is false. */
  readonly disabledNotice?: string;
  readonly endpoints: readonly Endpoint[];
  /** OPENAPI3 services published from a description: the description as stored. */
  readonly openapi?: { readonly format: 'json' | 'yaml'; readonly document: string; readonly source: string /* 'upload' or the URL it was fetched from */; readonly importedAt: number /* epoch ms */ };
}

/** The OpenAPI description an OPENAPI3 service was published from, kept verbatim for getOpenAPI. */
export type ServiceOpenApi = NonNullable<ServiceConf['openapi']>;

/** A group defined on this server for one hosted client (X-Road ug-ss 8). Members are clients of any instance. */
export interface LocalGroup {
  readonly owner: ClientId;
  readonly code: string;
  readonly description: string;
  readonly members: readonly ClientId[];
}

/** Who may call: a subsystem, a global group (global conf) or a local group of the service's owner. */
export type AccessSubject = SubsystemId | GlobalGroupId | LocalGroupId;

export interface AccessRight {
  readonly service: ServiceId;
  readonly subject: AccessSubject;
  /** Absent: the right covers the whole service. Present: only this endpoint (must exist on the service). */
  readonly endpoint?: Endpoint;
}

/** The whole local configuration; immutable, replaced as a unit by `ServerConfStore.update`. */
export interface ServerConfState {
  /** Increases by one on every committed update; used for optimistic concurrency. */
  readonly version: number;
  readonly owner: MemberId;
  readonly serverCode: string;
  readonly clients: readonly HostedClient[];
  readonly services: readonly ServiceConf[];
  readonly localGroups: readonly LocalGroup[];
  readonly accessRights: readonly AccessRight[];
}
