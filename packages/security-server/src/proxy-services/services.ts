import type { Clock, ClientId, GlobalGroupId, MemberId, SecurityServerId, ServiceId } from '@tonle/protocol';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { BodySpool, MessageBody } from '../body/index.ts';
import type { AccessControl } from '../access-control/index.ts';
import type { MessageLog } from '../message-log/index.ts';
import type { ServerConfSnapshot } from '../server-conf/index.ts';
import type { MessageSigner } from '../transport/index.ts';

/** What the proxies read from the global configuration in force. */
export interface ExchangeConfView {
  readonly instanceIdentifier: string;
  /** Servers on which `client` is registered (xroad-digest 3.1), with their maintenance flag. */
  serversHosting(client: ClientId): readonly (PeerServer & { readonly maintenance: boolean })[];
  /** Servers that registered the authentication certificate with this SHA-256 (lower-case hex). */
  serversWithAuthCert(sha256Hex: string): readonly PeerServer[];
  isMemberOf(client: ClientId, group: GlobalGroupId): boolean;
  /** Approved certification authorities (DER), for signer certificate checks. */
  readonly approvedCas: readonly ApprovedCa[];
  /** How old an OCSP response may be and still count (global settings). */
  readonly ocspFreshnessSeconds: number;
  /** Members and subsystems of the instance with their names, for the `listClients` metaservice. */
  clients(): readonly { readonly id: ClientId; readonly name: string; readonly subsystemName?: string }[];
}

export interface ApprovedCa {
  readonly name: string;
  readonly authOnly: boolean;
  readonly certificateProfile: string;
  readonly topCertificate: Uint8Array;
  readonly intermediateCertificates: readonly Uint8Array[];
}

/**
 * The global configuration in force. `current(side)` throws the side's `OutdatedGlobalConf` fault when
 * there is none or it expired (architecture §9: fail closed; it resumes once a fresh one verifies).
 */
export interface ExchangeGlobalConf {
  current(side: 'client' | 'server'): ExchangeConfView;
}

/** Checks a message signer's certificate: chain to an approved CA, stapled OCSP good and fresh. */
export interface SignerTrust {
  /**
   * Resolves the member the signing certificate identifies (certificate profile of its CA), or rejects
   * with a {@link TrustError}.
   */
  verifySigner(input: { chain: readonly Uint8Array[]; ocsp: readonly Uint8Array[]; at: number; side: 'client' | 'server' }): Promise<MemberId>;
}

/** Why a signer certificate is not trusted: its chain/validity (`certificate`) or its OCSP status (`ocsp`). */
export class TrustError extends Error {
  readonly code: 'TONLE_ERR_TRUST_CERTIFICATE' | 'TONLE_ERR_TRUST_OCSP';
  constructor(kind: 'certificate' | 'ocsp', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TrustError';
    this.code = kind === 'certificate' ? 'TONLE_ERR_TRUST_CERTIFICATE' : 'TONLE_ERR_TRUST_OCSP';
  }
}

/** One peer security server as the transport reaches it. */
export interface PeerServer {
  readonly id: SecurityServerId;
  readonly address: string;
  /** SHA-256 hex of the authentication certificates registered for it; its TLS certificate must be one. */
  readonly authCertHashes: readonly string[];
}

/**
 * An HTTP body to send: its length and a way to produce it from the start, as one buffer (small bodies)
 * or a fresh stream (spooled ones), so it can be sent again to another server after a failed connect.
 */
export interface OutgoingBody {
  readonly length: number;
  open(): Buffer | Readable;
}

/** The answer of a peer security server; the body arrives as a stream the caller must read or destroy. */
export interface PeerResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Readable;
  /** The peer that answered. */
  readonly peer: PeerServer;
}

/** Sends transport frames to peers over mutual TLS; tries the next server when one cannot be reached. */
export interface PeerTransport {
  send(peers: readonly PeerServer[], frame: OutgoingBody, headers: Readonly<Record<string, string>>): Promise<PeerResponse>;
  close(): Promise<void>;
}

/** Everything the two proxies share (style.md: one services object, one Fastify instance per listener). */
export interface ExchangeServices {
  readonly clock: Clock;
  readonly log: Logger;
  readonly serverId: SecurityServerId;
  readonly globalConf: ExchangeGlobalConf;
  readonly serverConf: { current(): ServerConfSnapshot };
  readonly accessControl: AccessControl;
  readonly signer: MessageSigner;
  /** OCSP responses (DER) for this server's signing chain, stapled to every message; fresh. */
  stapledOcsp(): Promise<readonly Uint8Array[]>;
  readonly trust: SignerTrust;
  readonly messageLog: Pick<MessageLog, 'append'>;
  readonly peers: PeerTransport;
  /** Calls provider information systems. */
  readonly provider: ProviderClient;
  /** Takes bodies in: in memory when small, spooled to disk when large, hashed as they arrive. */
  readonly spool: BodySpool;
  /** Largest body accepted from an information system or as its response (client proxy) / from a peer or a provider (server proxy). */
  readonly limits: {
    readonly clientBodyBytes: number;
    readonly serverBodyBytes: number;
    /** How long an information system may take to send a whole request (slow clients); default 60 s. */
    readonly clientRequestTimeoutMs?: number;
  };
}

/** The provider information system as the server proxy calls it. */
export interface ProviderClient {
  /** Resolves once the response head arrived; its body is a stream the caller must read or destroy. */
  call(input: {
    url: URL;
    method: string;
    headers: readonly (readonly [string, string])[];
    body: MessageBody;
    timeoutMs: number;
    /** The service's TLS policy for https: URLs: verify against the system trust store, or accept only pinned certificates (SHA-256 hex). */
    tls?: { readonly verify: boolean; readonly pinnedCertHashes: readonly string[] };
  }): Promise<{ status: number; reason: string; headers: readonly (readonly [string, string])[]; body: Readable }>;
  close(): Promise<void>;
}

/** Identifier shapes used by the proxies (re-exported for tests). */
export type { ClientId, ServiceId };
