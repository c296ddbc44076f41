import type { EvidenceBundle, MessageEntry } from '@tonle/audit';
import type { Signer } from '@tonle/pki';

/** Which proxy writes the record; decides the fault prefix (`Server.ClientProxy.*` / `Server.ServerProxy.*`). */
export type MessageLogSide = MessageEntry['side'];

/** One record per request, per response and per refusal (a request we refused before forwarding). */
export type MessageRecordKind = MessageEntry['kind'];

/** The metadata and signed-message fields a record stores as given (documented on `MessageEntry`). */
type StoredFields = 'kind' | 'side' | 'xRoadId' | 'requestId' | 'client' | 'service' | 'status' | 'faultCode' | 'headerPart' | 'jws' | 'batchProof' | 'signedBy';

/** What the proxies hand to `append()`. Binary values are DER / raw bytes; ids use @tonle/protocol's text codecs. */
export interface MessageRecordInput extends Pick<MessageEntry, StoredFields> {
  /** Signer certificate chain, leaf first (DER). Stored once per segment, referenced by SHA-256. */
  readonly certificateChain?: readonly Uint8Array[];
  /** OCSP responses (DER) for the chain, as stapled / used at signing time. Stored once per segment. */
  readonly ocspResponses?: readonly Uint8Array[];
  /**
   * The body; kept only when body logging is on for the subsystem, else only a salted commitment. A body
   * spooled to disk (too large to hold in memory) comes as the commitment computed while it was spooled,
   * and is never stored.
   */
  readonly body?: Uint8Array | BodyCommitment;
}

/** SHA-256 over `salt || body`, computed by whoever streamed the body (salt: 32 random bytes). */
export interface BodyCommitment {
  readonly size: number;
  readonly salt: Uint8Array;
  readonly sha256: Uint8Array;
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
  readonly status?: number;
  readonly faultCode?: string;
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

/** The server's signing key (the owner member's `@tonle/pki` Signer): signs checkpoints as compact JWS. */
export type CheckpointSigner = Signer;

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
