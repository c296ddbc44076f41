import { AuditError } from '../errors.ts';
import { MerkleFrontier, type FrontierNode } from './merkle.ts';

/** File format names and version, written in every segment / archive header. */
export const LOG_FORMAT = 'tonle-message-log' as const;
export const LOG_FORMAT_VERSION = 1 as const;
/** JWS `typ` of a signed checkpoint. */
export const CHECKPOINT_JWS_TYPE = 'tonle-checkpoint+jws' as const;

/** First frame of every segment and archive: where it starts in the Merkle log. */
export interface HeaderEntry {
  readonly type: 'header';
  readonly format: typeof LOG_FORMAT;
  readonly version: typeof LOG_FORMAT_VERSION;
  /** `segment` for a live file, `archive` for an archived one. */
  readonly kind: 'segment' | 'archive';
  readonly firstIndex: number;
  /** Compact range of the leaves before `firstIndex` (hex SHA-256), left to right. */
  readonly frontier: readonly { readonly start: number; readonly size: number; readonly hash: string }[];
  /** Sequence number the next checkpoint in this file gets. */
  readonly nextCheckpointSeq: number;
  readonly createdAt: number;
}

/** Salted commitment to a body: SHA-256(salt || body); lets a holder of the body prove it later. */
export interface BodyCommitment {
  readonly size: number;
  /** base64 of 32 random bytes. */
  readonly salt: string;
  /** hex SHA-256(salt || body). */
  readonly commitment: string;
  /** Whether the body was logged (it may since have been removed by retention). */
  readonly logged: boolean;
}

/** A request, response or refusal record: a Merkle leaf. */
export interface MessageEntry {
  readonly type: 'message';
  readonly index: number;
  readonly time: number;
  /** One record per request, per response and per refusal (a request refused before forwarding). */
  readonly kind: 'request' | 'response' | 'refusal';
  /** Which proxy wrote it: `client` (consumer side) or `server` (provider side). */
  readonly side: 'client' | 'server';
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
  /** The canonical header part that was signed. */
  readonly headerPart?: string;
  /** Compact JWS over the message (absent for refusals that happened before signing). */
  readonly jws?: string;
  /** Batch-signature inclusion proof (any JSON value, stored as given). */
  readonly batchProof?: unknown;
  /** Who produced `jws`: this server (`self`) or the peer security server (`peer`). */
  readonly signedBy?: 'self' | 'peer';
  /** SHA-256 hex of each certificate of the signer chain, leaf first (material leaves hold the DER). */
  readonly certificates: readonly string[];
  /** SHA-256 hex of each OCSP response (material leaves hold the DER). */
  readonly ocspResponses: readonly string[];
  readonly body?: BodyCommitment;
}

/** A certificate or OCSP response, stored once per segment and referenced by hash: a Merkle leaf. */
export interface MaterialEntry {
  readonly type: 'material';
  readonly index: number;
  readonly time: number;
  readonly material: 'certificate' | 'ocsp';
  readonly sha256: string;
  /** base64 DER. */
  readonly der: string;
}

export type LeafEntry = MessageEntry | MaterialEntry;

/** A signed tree head; `jws` is a compact JWS whose payload is a `CheckpointPayload`. */
export interface CheckpointEntry {
  readonly type: 'checkpoint';
  readonly jws: string;
}

export interface CheckpointPayload {
  readonly log: typeof LOG_FORMAT;
  readonly seq: number;
  readonly treeSize: number;
  /** hex RFC 6962 root. */
  readonly rootHash: string;
  readonly time: number;
}

/** An RFC 3161 token over SHA-256(UTF-8 bytes of the checkpoint's JWS). */
export interface TimestampEntry {
  readonly type: 'timestamp';
  readonly checkpointSeq: number;
  readonly tsa: string;
  readonly genTime: number;
  /** base64 DER TimeStampToken. */
  readonly token: string;
}

export function encodeEntry(entry: HeaderEntry | LeafEntry | CheckpointEntry | TimestampEntry): Uint8Array {
  return Buffer.from(JSON.stringify(entry), 'utf8');
}

export function frontierToJson(f: MerkleFrontier): HeaderEntry['frontier'] {
  return f.nodes.map((n) => ({ start: n.start, size: n.size, hash: Buffer.from(n.hash).toString('hex') }));
}

export function frontierFromJson(nodes: unknown): MerkleFrontier {
  if (!Array.isArray(nodes)) throw new AuditError('TONLE_ERR_AUDIT_ENTRY_INVALID', 'header frontier must be an array');
  const parsed: FrontierNode[] = nodes.map((n: unknown) => {
    const o = n as { start?: unknown; size?: unknown; hash?: unknown };
    if (typeof o?.start !== 'number' || typeof o.size !== 'number' || typeof o.hash !== 'string' || !/^[0-9a-f]{64}$/.test(o.hash)) {
      throw new AuditError('TONLE_ERR_AUDIT_ENTRY_INVALID', 'header frontier node must be { start, size, hash (64 hex) }');
    }
    return { start: o.start, size: o.size, hash: Buffer.from(o.hash, 'hex') };
  });
  return new MerkleFrontier(parsed);
}

/** Decodes the payload of a checkpoint JWS without verifying it (the verifier checks the signature). */
export function checkpointPayload(jws: string): CheckpointPayload {
  const parts = jws.split('.');
  if (parts.length !== 3) throw new AuditError('TONLE_ERR_AUDIT_ENTRY_INVALID', 'checkpoint JWS must have three parts');
  let p: unknown;
  try {
    p = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
  } catch (cause) {
    throw new AuditError('TONLE_ERR_AUDIT_ENTRY_INVALID', 'checkpoint JWS payload is not JSON', { cause });
  }
  const o = p as Partial<CheckpointPayload>;
  if (
    o?.log !== LOG_FORMAT ||
    !Number.isSafeInteger(o.seq) ||
    !Number.isSafeInteger(o.treeSize) ||
    typeof o.rootHash !== 'string' ||
    !/^[0-9a-f]{64}$/.test(o.rootHash) ||
    !Number.isSafeInteger(o.time)
  ) {
    throw new AuditError('TONLE_ERR_AUDIT_ENTRY_INVALID', 'checkpoint payload must be { log, seq, treeSize, rootHash, time }');
  }
  return o as CheckpointPayload;
}
