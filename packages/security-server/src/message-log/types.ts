import type { EvidenceBundle, MessageEntry } from '@tonle/audit';

/** Which proxy writes the record; decides the fault prefix (`Server.ClientProxy.*` / `Server.ServerProxy.*`). */
export type MessageLogSide = 'client' | 'server';

/** One record per request, per response and per refusal (a request we refused before forwarding). */
export type MessageRecordKind = 'request' | 'response' | 'refusal';

/** What the proxies hand to `append()`. Binary values are DER / raw bytes; ids use @tonle/protocol's text codecs. */
export interface MessageRecordInput {
  readonly kind: MessageRecordKind;
  readonly side: MessageLogSide;
  /** X-Road-Id of the exchange (request and response share it). */
  readonly xRoadId: string;
  /** X-Road-Request-Id, when the client sent one. */
  readonly requestId?: string;
  /** `formatClientId(client)`: INSTANCE/CLASS/MEMBER[/SUBSYSTEM]. */
  readonly client: string;
  /** `formatServiceId(service)`: INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE. */
  readonly service: string;
  /** HTTP status of a response or refusal. */
  readonly status?: number;
  /** Fault code of a refusal or fault response (`Server.ServerProxy.AccessDenied` ...). */
  readonly faultCode?: string;
  /** The canonical header part that was signed (serializeRest{Request,Response}HeaderPart). */
  readonly headerPart?: string;
  /** Compact JWS over the message (absent for refusals that happened before signing). */
  readonly jws?: string;
  /** Batch-signature inclusion proof (any JSON value, stored as given). */
  readonly batchProof?: unknown;
  /** Who produced `jws`: this server (`self`) or the peer security server (`peer`). */
  readonly signedBy?: 'self' | 'peer';
  /** Signer certificate chain, leaf first (DER). Stored once per segment, referenced by SHA-256. */
  readonly certificateChain?: readonly Uint8Array[];
  /** OCSP responses (DER) for the chain, as stapled / used at signing time. Stored once per segment. */
  readonly ocspResponses?: readonly Uint8Array[];
  /** The body; kept only when body logging is on for the subsystem, else only a salted commitment. */
  readonly body?: Uint8Array;
}

/** Resolved by `append()` once the record is durable. */
export interface AppendReceipt {
  /** Leaf index of the record in the Merkle log. */
  readonly index: number;
  /** Segment file name that holds it. */
  readonly segment: string;
}

export interface MessageLogStatus {
  readonly treeSize: number;
  readonly durableSize: number;
  readonly checkpoints: number;
  readonly pendingCheckpoints: number;
  /** Epoch ms of the oldest checkpoint still waiting for a time-stamp, or undefined. */
  readonly oldestPendingSince: number | undefined;
  readonly lastTimestampAt: number | undefined;
  /** True when `append()` refuses because time-stamping failed for longer than the configured period. */
  readonly refusing: boolean;
}

/** Search by any combination; all given fields must match. */
export interface RecordQuery {
  readonly xRoadId?: string;
  readonly requestId?: string;
  readonly client?: string;
  readonly service?: string;
  readonly from?: number;
  readonly to?: number;
  readonly limit?: number;
}

export interface LoggedRecord {
  readonly index: number;
  readonly segment: string;
  readonly entry: MessageEntry;
}

/** Result of one RFC 3161 exchange. */
export interface TimestampResult {
  /** DER TimeStampToken (ContentInfo with SignedData). */
  readonly token: Uint8Array;
  /** Name of the TSA that answered. */
  readonly tsa: string;
  /** genTime of the token, epoch ms. */
  readonly genTime: number;
}

/** Port: obtains an RFC 3161 token over SHA-256 of `data`, failing over across TSAs; rejects when none answers. */
export interface Timestamper {
  timestamp(data: Uint8Array): Promise<TimestampResult>;
}

/**
 * The subset of `@tonle/pki`'s `Signer` the log needs: signs checkpoints as compact JWS.
 * `sign()` returns the JWS signature bytes (raw r||s for ES*, as JWS requires).
 */
export interface CheckpointSigner {
  readonly algorithm: string;
  readonly certificateChain: readonly Uint8Array[];
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/** The port the proxies and the admin API use. */
export interface MessageLog {
  /** Appends a record; resolves when durable; rejects with a GatewayFault when logging is refused. */
  append(record: MessageRecordInput): Promise<AppendReceipt>;
  /** Creates (and signs) a checkpoint over everything appended so far, then tries to time-stamp pending ones. */
  checkpoint(): Promise<void>;
  status(): MessageLogStatus;
  /** Searches live segments and archives by metadata. */
  findRecords(query: RecordQuery): Promise<LoggedRecord[]>;
  /** The evidence bundle for one message (all records with this X-Road id), proven against a time-stamped checkpoint. */
  exportEvidence(xRoadId: string): Promise<EvidenceBundle>;
  /** Moves sealed, fully time-stamped segments into archives and applies retention. */
  archive(): Promise<void>;
  /** Writes a final checkpoint, stops timers, closes files. */
  close(): Promise<void>;
}
