import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile, rename, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { signCompactJws } from '@tonle/pki';
import { GatewayFault, type Clock } from '@tonle/protocol';
import {
  ARCHIVE_EXTENSION,
  CHECKPOINT_JWS_TYPE,
  FrameType,
  LOG_FORMAT,
  MAX_FRAME_PART,
  MerkleFrontier,
  MerkleRange,
  checkpointPayload,
  decodeFrames,
  encodeEntry,
  encodeFrame,
  frontierFromJson,
  leafHash,
  openArchive,
  parseEntry,
  sealArchive,
  type CheckpointPayload,
  type EvidenceBundle,
  type EvidenceItem,
  type Frame,
  type HeaderEntry,
  type MaterialEntry,
  type MessageEntry,
  type TimestampEntry,
} from '@tonle/audit';
import { MessageLogError } from './errors.ts';
import { createSegment, listSegments, recoverSegment, removeFile, syncDirectory } from './segment-file.ts';
import type {
  AppendReceipt,
  CheckpointSigner,
  LoggedRecord,
  MessageLog,
  MessageLogStatus,
  MessageRecordInput,
  RecordQuery,
  Timestamper,
  BodyCommitment,
} from './types.ts';

/** Configuration of the message log (validated by the app's config schema; checked again here). */
export interface MessageLogConfig {
  /** Directory of the live segments. */
  readonly directory: string;
  /** Directory of archive files; default `<directory>/archive`. */
  readonly archiveDirectory?: string;
  /** Rotate the live segment after this many bytes (default 64 MiB). */
  readonly segmentMaxBytes?: number;
  /** Rotate the live segment after this age (default 1 h). */
  readonly segmentMaxAgeMs?: number;
  /** Checkpoint + time-stamp interval (default 60 s, X-Road's timeStampingIntervalSeconds); 0 = only on demand. */
  readonly checkpointIntervalMs?: number;
  /** Refuse appends when a checkpoint has waited this long for a time-stamp (default 4 h; 0 = never refuse). */
  readonly timestampFailurePeriodMs?: number;
  /** Body logging: `default` for everyone, overridden per provider subsystem (formatClientId form). */
  readonly bodyLogging?: { readonly default?: boolean; readonly disabledFor?: readonly string[]; readonly enabledFor?: readonly string[] };
  /** Bodies larger than this are not stored, only committed to (default 10 MiB, X-Road's max-loggable-message-body-size). */
  readonly maxLoggedBodyBytes?: number;
  /** Remove archives whose newest checkpoint is older than this (default: keep forever). */
  readonly retentionMs?: number;
  /** Drop logged bodies (keeping their commitments) from archives older than this (default: keep). */
  readonly bodyRetentionMs?: number;
  /** AES-256-GCM key (32 bytes, read from a key file by the config loader) to encrypt archives at rest. */
  readonly archiveKey?: Uint8Array;
}

export interface MessageLogDeps {
  readonly config: MessageLogConfig;
  readonly clock: Clock;
  readonly signer: CheckpointSigner;
  readonly timestamper: Timestamper;
  /** Receives each group commit's duration (write + fdatasync) and record count, e.g. the security server metrics. */
  readonly metrics?: { onLogCommit(durationMs: number, records: number): void };
  /** pino-like logger; only operational events, never bodies. */
  readonly log?: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
}

interface Waiter {
  readonly buf: Buffer;
  /** Log records (frames) in `buf`. */
  readonly records: number;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

interface CheckpointInfo {
  readonly seq: number;
  readonly jws: string;
  readonly payload: CheckpointPayload;
}

const sha256 = (data: Uint8Array): Buffer => createHash('sha256').update(data).digest();

/**
 * SHA-256 of certificates and OCSP responses, remembered: every record names its chain and OCSP responses by
 * hash, and they are nearly always the ones of the previous records. A hit needs the same bytes (compared in
 * full against a private copy), so a changed or reused buffer is hashed again; comparing costs far less than
 * hashing (docs/performance.md).
 */
class MaterialHashes {
  readonly #entries = new Map<string, { readonly der: Buffer; readonly hash: string }>();
  readonly #max: number;

  constructor(max = 64) {
    this.#max = max;
  }

  hashOf(der: Uint8Array): string {
    const view = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
    // DER certificates and OCSP responses end in a signature: its last bytes and the length pick the candidate.
    const key = `${view.length}:${view.toString('latin1', Math.max(0, view.length - 16))}`;
    const hit = this.#entries.get(key);
    if (hit !== undefined && hit.der.equals(view)) return hit.hash;
    const hash = sha256(view).toString('hex');
    if (this.#entries.size >= this.#max && hit === undefined) this.#entries.delete(this.#entries.keys().next().value as string);
    this.#entries.set(key, { der: Buffer.from(view), hash });
    return hash;
  }
}

/** 32-byte salts for body commitments, cut from one CSPRNG draw per 128 (one system call instead of 128). */
class SaltPool {
  #pool = Buffer.alloc(0);
  #offset = 0;

  next(): Buffer {
    if (this.#offset + 32 > this.#pool.length) {
      this.#pool = randomBytes(32 * 128);
      this.#offset = 0;
    }
    const salt = this.#pool.subarray(this.#offset, this.#offset + 32);
    this.#offset += 32;
    return salt;
  }
}

function positive(value: number | undefined, fallback: number, name: string, allowZero = false): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 0 || (!allowZero && v === 0)) {
    throw new MessageLogError('TONLE_ERR_MESSAGE_LOG_CONFIG', `messageLog.${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer`);
  }
  return v;
}

function isCommitment(b: unknown): b is BodyCommitment {
  const c = b as Partial<BodyCommitment> | null;
  return (
    typeof c === 'object' && c !== null && Number.isSafeInteger(c.size) && (c.size as number) >= 0 &&
    c.salt instanceof Uint8Array && c.salt.length >= 16 && c.sha256 instanceof Uint8Array && c.sha256.length === 32
  );
}

function validateInput(r: MessageRecordInput): void {
  if (typeof r !== 'object' || r === null) throw new TypeError('append() needs a record object');
  if (r.kind !== 'request' && r.kind !== 'response' && r.kind !== 'refusal') throw new TypeError("record.kind must be 'request', 'response' or 'refusal'");
  if (r.side !== 'client' && r.side !== 'server') throw new TypeError("record.side must be 'client' or 'server'");
  for (const k of ['xRoadId', 'client', 'service'] as const) {
    if (typeof r[k] !== 'string' || r[k].length === 0 || r[k].length > 4096) throw new TypeError(`record.${k} must be a non-empty string`);
  }
  if (r.body !== undefined && !(r.body instanceof Uint8Array) && !isCommitment(r.body)) throw new TypeError('record.body must be a Uint8Array or a {size, salt, sha256} commitment');
  for (const k of ['requestId', 'faultCode', 'headerPart', 'jws'] as const) {
    if (r[k] !== undefined && typeof r[k] !== 'string') throw new TypeError(`record.${k} must be a string when given`);
  }
  if (r.status !== undefined && (!Number.isInteger(r.status) || r.status < 100 || r.status > 599)) throw new TypeError('record.status must be an HTTP status (100-599)');
  if (r.signedBy !== undefined && r.signedBy !== 'self' && r.signedBy !== 'peer') throw new TypeError("record.signedBy must be 'self' or 'peer'");
  for (const k of ['certificateChain', 'ocspResponses'] as const) {
    const v = r[k];
    if (v !== undefined && (!Array.isArray(v) || !v.every((d) => d instanceof Uint8Array))) throw new TypeError(`record.${k} must be an array of DER Uint8Arrays`);
  }
}

/** The provider subsystem of a `formatServiceId` string: everything before the last `/`. */
function providerOf(service: string): string {
  const i = service.lastIndexOf('/');
  return i < 0 ? service : service.slice(0, i);
}

/**
 * Opens (recovering after a crash) or creates the message log in `config.directory` and returns the
 * `MessageLog` port. See docs/message-log.md for the file format and behaviour.
 */
export async function createMessageLog(deps: MessageLogDeps): Promise<MessageLog> {
  const log = new FileMessageLog(deps);
  await log.open();
  return log;
}

class FileMessageLog implements MessageLog {
  readonly #deps: MessageLogDeps;
  readonly #dir: string;
  readonly #archiveDir: string;
  readonly #segmentMaxBytes: number;
  readonly #segmentMaxAgeMs: number;
  readonly #intervalMs: number;
  readonly #failurePeriodMs: number;
  readonly #maxLoggedBody: number;

  readonly #materialHashes = new MaterialHashes();
  readonly #salts = new SaltPool();
  #frontier = new MerkleFrontier();
  #durableSize = 0;
  #nextSeq = 0;
  #lastCheckpointSize = 0;
  #checkpointCount = 0;
  readonly #pending = new Map<number, CheckpointInfo>();
  #lastTimestampAt: number | undefined;

  #segment: { name: string; handle: FileHandle; size: number; createdAt: number; firstIndex: number; materials: Set<string> } | undefined;
  #queue: Waiter[] = [];
  #flushing = false;
  #drainWaiters: (() => void)[] = [];
  #broken: unknown;
  #gate: Promise<void> | undefined;
  #serial: Promise<unknown> = Promise.resolve();
  #stamping: Promise<void> | undefined;
  #rotationRequested = false;
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  #closed = false;

  constructor(deps: MessageLogDeps) {
    if (typeof deps?.config?.directory !== 'string' || deps.config.directory === '') {
      throw new MessageLogError('TONLE_ERR_MESSAGE_LOG_CONFIG', 'messageLog.directory must name a directory');
    }
    if (deps.config.archiveKey !== undefined && deps.config.archiveKey.length !== 32) {
      throw new MessageLogError('TONLE_ERR_MESSAGE_LOG_CONFIG', 'messageLog archive key must be 32 bytes (AES-256)');
    }
    this.#deps = deps;
    this.#dir = deps.config.directory;
    this.#archiveDir = deps.config.archiveDirectory ?? join(this.#dir, 'archive');
    this.#segmentMaxBytes = positive(deps.config.segmentMaxBytes, 64 * 1024 * 1024, 'segmentMaxBytes');
    this.#segmentMaxAgeMs = positive(deps.config.segmentMaxAgeMs, 3_600_000, 'segmentMaxAgeMs');
    this.#intervalMs = positive(deps.config.checkpointIntervalMs, 60_000, 'checkpointIntervalMs', true);
    this.#failurePeriodMs = positive(deps.config.timestampFailurePeriodMs, 4 * 3_600_000, 'timestampFailurePeriodMs', true);
    this.#maxLoggedBody = positive(deps.config.maxLoggedBodyBytes, 10 * 1024 * 1024, 'maxLoggedBodyBytes', true);
    if (this.#maxLoggedBody > MAX_FRAME_PART) throw new MessageLogError('TONLE_ERR_MESSAGE_LOG_CONFIG', `messageLog.maxLoggedBodyBytes must be at most ${MAX_FRAME_PART}`);
  }

  async open(): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    await mkdir(this.#archiveDir, { recursive: true });
    // A crash between writing an archive and removing its segment leaves both: the archive is complete
    // (written to a temporary name, fsynced, renamed), so the segment copy goes.
    // Only complete archives count: a `.tmp` left by a crash mid-write is removed, never trusted.
    for (const dir of [this.#dir, this.#archiveDir]) {
      for (const n of await readdir(dir)) if (n.endsWith('.tmp')) await removeFile(join(dir, n));
    }
    const archivedFrom = new Set(
      (await readdir(this.#archiveDir))
        .map((n) => /^archive-(\d{16})-\d{16}-\d{13,16}(?:-nobody)?\.tla$/.exec(n)?.[1])
        .filter((x) => x !== undefined)
        .map(Number),
    );
    const all = await listSegments(this.#dir);
    for (const name of all.slice(0, -1)) {
      if (archivedFrom.has(Number(/^segment-(\d{16})/.exec(name)![1]))) await removeFile(join(this.#dir, name));
    }
    const names = await listSegments(this.#dir);
    const checkpoints = new Map<number, CheckpointInfo>();
    const stamped = new Set<number>();
    let last: { name: string; size: number; createdAt: number; firstIndex: number; materials: Set<string> } | undefined;
    for (const [i, name] of names.entries()) {
      let header: HeaderEntry | undefined;
      const materials = new Set<string>();
      // Frames come one at a time from a bounded window (never the whole segment in memory).
      const seg = await recoverSegment(this.#dir, name, i === names.length - 1, (f) => {
        if (header === undefined) {
          if (f.type !== FrameType.header) throw new MessageLogError('TONLE_ERR_MESSAGE_LOG_CORRUPT', `${name} has no header frame; restore it from backup`);
          header = parseEntry(f) as unknown as HeaderEntry;
          if (i === 0) {
            this.#frontier = frontierFromJson(header.frontier);
            this.#nextSeq = header.nextCheckpointSeq;
          } else if (header.firstIndex !== this.#frontier.size) {
            throw new MessageLogError('TONLE_ERR_MESSAGE_LOG_CORRUPT', `${name} starts at leaf ${header.firstIndex}, expected ${this.#frontier.size}`);
          }
          return;
        }
        const e = parseEntry(f);
        if (f.type === FrameType.leaf) {
          if (e['index'] !== this.#frontier.size) throw new MessageLogError('TONLE_ERR_MESSAGE_LOG_CORRUPT', `${name} offset ${f.offset}: leaf index ${String(e['index'])}, expected ${this.#frontier.size}`);
          this.#frontier.push(leafHash(f.entry));
          if (e['type'] === 'material') materials.add(String(e['sha256']));
        } else if (f.type === FrameType.checkpoint) {
          const jws = String(e['jws']);
          const payload = checkpointPayload(jws);
          checkpoints.set(payload.seq, { seq: payload.seq, jws, payload });
          this.#nextSeq = payload.seq + 1;
          this.#lastCheckpointSize = payload.treeSize;
          this.#checkpointCount++;
        } else if (f.type === FrameType.timestamp) {
          stamped.add(Number(e['checkpointSeq']));
        }
      });
      if (seg.tornBytes > 0) this.#deps.log?.warn({ module: 'message-log', segment: name, tornBytes: seg.tornBytes }, 'truncated a torn tail left by a crash');
      const h = header as HeaderEntry | undefined;
      if (h === undefined) throw new MessageLogError('TONLE_ERR_MESSAGE_LOG_CORRUPT', `${name} has no header frame; restore it from backup`);
      last = { name, size: seg.size, createdAt: h.createdAt, firstIndex: h.firstIndex, materials };
    }
    for (const [seq, cp] of checkpoints) if (!stamped.has(seq)) this.#pending.set(seq, cp);
    this.#durableSize = this.#frontier.size;
    if (last === undefined) {
      const created = await createSegment(this.#dir, 0, this.#frontier, this.#nextSeq, this.#deps.clock.now());
      this.#segment = { ...created, createdAt: this.#deps.clock.now(), firstIndex: 0, materials: new Set() };
    } else {
      const handle = await open(join(this.#dir, last.name), 'a');
      this.#segment = { ...last, handle };
    }
    if (this.#intervalMs > 0) {
      this.#timer = setInterval(() => {
        this.#ticking ??= this.#tick().finally(() => (this.#ticking = undefined));
      }, this.#intervalMs);
      this.#timer.unref();
    }
  }

  // ---------------------------------------------------------------------------------------------- append

  async append(record: MessageRecordInput): Promise<AppendReceipt> {
    validateInput(record);
    const prefix = record.side === 'client' ? 'Server.ClientProxy' : 'Server.ServerProxy';
    if (this.#closed) throw new GatewayFault(`${prefix}.LoggingFailed`, 'The message log is closed', { cause: new MessageLogError('TONLE_ERR_MESSAGE_LOG_CLOSED', 'message log closed') });
    while (this.#gate !== undefined) await this.#gate;
    // X-Road's acceptable-timestamp-failure-period: refuse logging (and so the exchange) once stamping has failed too long.
    if (this.#refusing()) throw new GatewayFault(`${prefix}.LoggingFailed.TimestamperFailed`);
    if (this.#broken !== undefined) throw new GatewayFault(`${prefix}.LoggingFailed`, undefined, { cause: this.#broken });

    const segment = this.#segment!;
    const now = this.#deps.clock.now();
    // Everything is encoded first and the tree is touched only when nothing can throw any more: a
    // half-applied append would leave the in-memory tree ahead of the file.
    const leaves: { bytes: Uint8Array; body?: Uint8Array }[] = [];
    const newMaterials = new Set<string>();
    const materialRefs = (items: readonly Uint8Array[] | undefined, material: 'certificate' | 'ocsp'): string[] =>
      (items ?? []).map((der) => {
        const hash = this.#materialHashes.hashOf(der);
        if (!segment.materials.has(hash) && !newMaterials.has(hash)) {
          newMaterials.add(hash);
          const entry: MaterialEntry = { type: 'material', index: this.#frontier.size + leaves.length, time: now, material, sha256: hash, der: Buffer.from(der).toString('base64') };
          leaves.push({ bytes: encodeEntry(entry) });
        }
        return hash;
      });
    const certificates = materialRefs(record.certificateChain, 'certificate');
    const ocspResponses = materialRefs(record.ocspResponses, 'ocsp');

    let bodyBytes: Uint8Array | undefined;
    let body: MessageEntry['body'];
    if (record.body !== undefined && !(record.body instanceof Uint8Array)) {
      const c = record.body;
      body = { size: c.size, salt: Buffer.from(c.salt).toString('base64'), commitment: Buffer.from(c.sha256).toString('hex'), logged: false };
    } else if (record.body !== undefined) {
      const salt = this.#salts.next();
      // Bodies above the limit keep only their commitment (X-Road: max-loggable-message-body-size).
      const logged = this.#bodyLogged(record.service) && record.body.length <= this.#maxLoggedBody;
      body = { size: record.body.length, salt: salt.toString('base64'), commitment: createHash('sha256').update(salt).update(record.body).digest('hex'), logged };
      if (logged) bodyBytes = record.body;
    }
    const index = this.#frontier.size + leaves.length;
    const entry: MessageEntry = {
      type: 'message',
      index,
      time: now,
      kind: record.kind,
      side: record.side,
      xRoadId: record.xRoadId,
      ...(record.requestId === undefined ? {} : { requestId: record.requestId }),
      client: record.client,
      service: record.service,
      ...(record.status === undefined ? {} : { status: record.status }),
      ...(record.faultCode === undefined ? {} : { faultCode: record.faultCode }),
      ...(record.headerPart === undefined ? {} : { headerPart: record.headerPart }),
      ...(record.jws === undefined ? {} : { jws: record.jws }),
      ...(record.batchProof === undefined ? {} : { batchProof: record.batchProof }),
      ...(record.signedBy === undefined ? {} : { signedBy: record.signedBy }),
      certificates,
      ocspResponses,
      ...(body === undefined ? {} : { body }),
    };
    let messageBytes: Uint8Array;
    try {
      messageBytes = encodeEntry(entry);
    } catch (cause) {
      throw new TypeError('record.batchProof must be JSON-serialisable', { cause });
    }
    leaves.push({ bytes: messageBytes, ...(bodyBytes === undefined ? {} : { body: bodyBytes }) });
    // commit point: from here on nothing throws before the frames are queued
    const frames = leaves.map((l) => {
      this.#frontier.push(leafHash(l.bytes));
      return encodeFrame(FrameType.leaf, l.bytes, l.body);
    });
    for (const h of newMaterials) segment.materials.add(h);
    const buf = frames.length === 1 ? frames[0]! : Buffer.concat(frames);
    segment.size += buf.length;
    if (segment.size >= this.#segmentMaxBytes) this.#requestRotation();
    try {
      await this.#enqueue(buf, frames.length);
    } catch (cause) {
      throw new GatewayFault(`${prefix}.LoggingFailed`, undefined, { cause });
    }
    return { index, segment: segment.name };
  }

  #bodyLogged(service: string): boolean {
    const policy = this.#deps.config.bodyLogging;
    const provider = providerOf(service);
    if (policy?.disabledFor?.includes(provider) === true) return false;
    if (policy?.enabledFor?.includes(provider) === true) return true;
    return policy?.default ?? true;
  }

  #refusing(): boolean {
    if (this.#failurePeriodMs === 0) return false;
    const oldest = this.#pending.values().next().value;
    return oldest !== undefined && this.#deps.clock.now() - oldest.payload.time >= this.#failurePeriodMs;
  }

  // ------------------------------------------------------------------------------------- group commit

  #enqueue(buf: Buffer, records = 1): Promise<void> {
    if (this.#broken !== undefined) return Promise.reject(this.#broken instanceof Error ? this.#broken : new Error(String(this.#broken)));
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ buf, records, resolve, reject });
      if (!this.#flushing) void this.#flushLoop();
    });
  }

  /** Group commit: one write + fdatasync for everything queued; the next starts as soon as this one returns. */
  async #flushLoop(): Promise<void> {
    this.#flushing = true;
    while (this.#queue.length > 0) {
      const batch = this.#queue;
      this.#queue = [];
      const handle = this.#segment!.handle;
      const data = batch.length === 1 ? batch[0]!.buf : Buffer.concat(batch.map((w) => w.buf));
      const started = performance.now();
      try {
        let written = 0;
        while (written < data.length) written += (await handle.write(data, written, data.length - written)).bytesWritten;
        await handle.datasync();
        this.#deps.metrics?.onLogCommit(performance.now() - started, batch.reduce((n, w) => n + w.records, 0));
      } catch (e) {
        // Fail closed: after a failed write the file state is unknown, so nothing else is acknowledged.
        this.#broken = e;
        this.#deps.log?.error({ module: 'message-log', err: e }, 'message log write failed; refusing further appends until restart');
        for (const w of [...batch, ...this.#queue]) w.reject(e);
        this.#queue = [];
        break;
      }
      this.#durableSize = this.#frontier.size;
      for (const w of batch) w.resolve();
    }
    this.#flushing = false;
    for (const d of this.#drainWaiters.splice(0)) d();
  }

  #drain(): Promise<void> {
    if (!this.#flushing && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  // -------------------------------------------------------------------------- checkpoints and stamps

  #exclusive<T>(op: () => Promise<T>): Promise<T> {
    const run = this.#serial.then(op, op);
    this.#serial = run.catch(() => undefined);
    return run;
  }

  #signCheckpoint(payload: CheckpointPayload): Promise<string> {
    return signCompactJws({ payload: JSON.stringify(payload), signer: this.#deps.signer, header: { typ: CHECKPOINT_JWS_TYPE } });
  }

  /** Signs a tree head over everything appended so far and writes it durably. */
  async #makeCheckpoint(force: boolean): Promise<void> {
    const treeSize = this.#frontier.size;
    if (!force && treeSize === this.#lastCheckpointSize) return;
    const payload: CheckpointPayload = { log: LOG_FORMAT, seq: this.#nextSeq, treeSize, rootHash: Buffer.from(this.#frontier.root()).toString('hex'), time: this.#deps.clock.now() };
    const jws = await this.#signCheckpoint(payload);
    await this.#enqueue(encodeFrame(FrameType.checkpoint, encodeEntry({ type: 'checkpoint', jws })));
    this.#nextSeq++;
    this.#lastCheckpointSize = treeSize;
    this.#checkpointCount++;
    this.#pending.set(payload.seq, { seq: payload.seq, jws, payload });
  }

  /** Seals the live segment with a checkpoint over all its leaves and starts the next one. */
  async #rotate(): Promise<void> {
    // Nothing to seal (e.g. a second request queued behind one that just rotated): creating the "next"
    // segment would reuse this one's name and replace it.
    if (this.#frontier.size === this.#segment!.firstIndex) {
      this.#rotationRequested = false;
      return;
    }
    let release!: () => void;
    this.#gate = new Promise<void>((r) => (release = r));
    try {
      await this.#makeCheckpoint(this.#frontier.size !== this.#lastCheckpointSize);
      await this.#drain();
      const old = this.#segment!;
      await old.handle.close();
      const now = this.#deps.clock.now();
      const created = await createSegment(this.#dir, this.#frontier.size, this.#frontier, this.#nextSeq, now);
      this.#segment = { ...created, createdAt: now, firstIndex: this.#frontier.size, materials: new Set() };
      this.#deps.log?.info({ module: 'message-log', sealed: old.name, next: created.name }, 'segment rotated');
    } finally {
      this.#rotationRequested = false;
      this.#gate = undefined;
      release();
    }
  }

  #requestRotation(): void {
    if (this.#rotationRequested) return;
    this.#rotationRequested = true;
    void this.#exclusive(() => this.#rotate()).catch((err: unknown) => this.#deps.log?.error({ module: 'message-log', err }, 'segment rotation failed'));
  }

  /**
   * Time-stamps pending checkpoints oldest first, including any added while it runs; stops at the first
   * failure (retried at the next tick). One run at a time: callers share the run in flight.
   */
  #stampPending(): Promise<void> {
    if (this.#stamping === undefined) {
      const run = this.#stampAll();
      this.#stamping = run;
      // Cleared only after the run is stored: a run with nothing to do settles at once, and clearing inside it
      // would leave a settled promise behind that every later call returned without stamping anything.
      void run.finally(() => {
        if (this.#stamping === run) this.#stamping = undefined;
      });
    }
    return this.#stamping;
  }

  async #stampAll(): Promise<void> {
    try {
      for (let cp = this.#pending.values().next().value; cp !== undefined; cp = this.#pending.values().next().value) {
        const result = await this.#deps.timestamper.timestamp(Buffer.from(cp.jws, 'ascii'));
        while (this.#gate !== undefined) await this.#gate;
        const entry: TimestampEntry = { type: 'timestamp', checkpointSeq: cp.seq, tsa: result.tsa, genTime: result.genTime, token: Buffer.from(result.token).toString('base64') };
        await this.#enqueue(encodeFrame(FrameType.timestamp, encodeEntry(entry)));
        this.#pending.delete(cp.seq);
        this.#lastTimestampAt = this.#deps.clock.now();
      }
    } catch (err) {
      this.#deps.log?.warn({ module: 'message-log', err, pending: this.#pending.size }, 'time-stamping failed; checkpoints stay pending');
    }
  }

  async #tick(): Promise<void> {
    if (this.#closed) return;
    try {
      const seg = this.#segment!;
      const old = this.#deps.clock.now() - seg.createdAt >= this.#segmentMaxAgeMs && this.#frontier.size > seg.firstIndex;
      if (old || seg.size >= this.#segmentMaxBytes) await this.#exclusive(() => this.#rotate());
      else await this.#exclusive(() => this.#makeCheckpoint(false));
      await this.#stampPending();
      await this.archive();
    } catch (err) {
      this.#deps.log?.error({ module: 'message-log', err }, 'message log maintenance failed');
    }
  }

  async checkpoint(): Promise<void> {
    this.#assertOpen();
    await this.#exclusive(() => this.#makeCheckpoint(false));
    await this.#stampPending();
  }

  status(): MessageLogStatus {
    const oldest = this.#pending.values().next().value;
    return {
      treeSize: this.#frontier.size,
      durableSize: this.#durableSize,
      checkpoints: this.#checkpointCount,
      pendingCheckpoints: this.#pending.size,
      oldestPendingSince: oldest?.payload.time,
      lastTimestampAt: this.#lastTimestampAt,
      refusing: this.#refusing(),
    };
  }

  #assertOpen(): void {
    if (this.#closed) throw new MessageLogError('TONLE_ERR_MESSAGE_LOG_CLOSED', 'the message log is closed; create a new one with createMessageLog()');
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    await this.#ticking;
    try {
      if (this.#broken === undefined) {
        await this.#exclusive(() => this.#makeCheckpoint(false));
        await this.#stampPending();
      }
    } finally {
      this.#closed = true;
      await this.#exclusive(() => this.#drain());
      await this.#segment?.handle.close();
    }
  }

  // ------------------------------------------------------------------------------ reading / archives

  /** Every file of the log in leaf order: archives first (by first index), then live segments. */
  async #files(): Promise<{ path: string; name: string; frames: Frame[] }[]> {
    const archives = (await readdir(this.#archiveDir)).filter((n) => n.endsWith(ARCHIVE_EXTENSION)).sort();
    const out: { path: string; name: string; frames: Frame[] }[] = [];
    for (const name of archives) {
      const path = join(this.#archiveDir, name);
      out.push({ path, name, frames: decodeFrames(openArchive(await readFile(path), this.#deps.config.archiveKey)).frames });
    }
    await this.#exclusive(() => this.#drain());
    for (const name of await listSegments(this.#dir)) {
      const path = join(this.#dir, name);
      out.push({ path, name, frames: decodeFrames(await readFile(path)).frames });
    }
    return out;
  }

  async findRecords(query: RecordQuery): Promise<LoggedRecord[]> {
    this.#assertOpen();
    const limit = query.limit ?? 1000;
    const out: LoggedRecord[] = [];
    const seen = new Set<number>();
    for (const file of await this.#files()) {
      for (const f of file.frames) {
        if (f.type !== FrameType.leaf) continue;
        const e = parseEntry(f) as unknown as MessageEntry;
        if (e.type !== 'message' || seen.has(e.index)) continue;
        if (query.xRoadId !== undefined && e.xRoadId !== query.xRoadId) continue;
        if (query.requestId !== undefined && e.requestId !== query.requestId) continue;
        if (query.client !== undefined && e.client !== query.client) continue;
        if (query.service !== undefined && e.service !== query.service) continue;
        if (query.status !== undefined && e.status !== query.status) continue;
        if (query.faultCode !== undefined && e.faultCode !== query.faultCode) continue;
        if (query.from !== undefined && e.time < query.from) continue;
        if (query.to !== undefined && e.time > query.to) continue;
        seen.add(e.index);
        out.push({ index: e.index, segment: file.name, entry: e });
        if (out.length >= limit) return out;
      }
    }
    return out;
  }

  async exportEvidence(xRoadId: string): Promise<EvidenceBundle> {
    this.#assertOpen();
    if (typeof xRoadId !== 'string' || xRoadId === '') throw new TypeError('exportEvidence() needs an X-Road id');
    const files = await this.#files();
    const stamps = new Map<number, TimestampEntry>();
    for (const file of files) for (const f of file.frames) if (f.type === FrameType.timestamp) {
      const t = parseEntry(f) as unknown as TimestampEntry;
      stamps.set(t.checkpointSeq, t);
    }
    const items: EvidenceItem[] = [];
    const checkpoints: EvidenceBundle['checkpoints'][number][] = [];
    for (const file of files) {
      const [headerFrame, ...frames] = file.frames;
      if (headerFrame === undefined) continue;
      const header = parseEntry(headerFrame) as unknown as HeaderEntry;
      const leaves: { frame: Frame; entry: MessageEntry | MaterialEntry }[] = [];
      const cps: { jws: string; payload: CheckpointPayload }[] = [];
      for (const f of frames) {
        if (f.type === FrameType.leaf) leaves.push({ frame: f, entry: parseEntry(f) as unknown as MessageEntry | MaterialEntry });
        else if (f.type === FrameType.checkpoint) {
          const jws = String(parseEntry(f)['jws']);
          cps.push({ jws, payload: checkpointPayload(jws) });
        }
      }
      const wanted = leaves.filter((l) => l.entry.type === 'message' && l.entry.xRoadId === xRoadId);
      if (wanted.length === 0) continue;
      const range = new MerkleRange(frontierFromJson(header.frontier), leaves.map((l) => leafHash(l.frame.entry)));
      const byHash = new Map(leaves.filter((l) => l.entry.type === 'material').map((l) => [(l.entry as MaterialEntry).sha256, l]));
      for (const w of wanted) {
        const m = w.entry as MessageEntry;
        const cp = cps.find((c) => c.payload.treeSize > m.index && stamps.has(c.payload.seq));
        if (cp === undefined) {
          throw new MessageLogError('TONLE_ERR_MESSAGE_LOG_NOT_FOUND', `record ${m.index} of ${xRoadId} is not yet covered by a time-stamped checkpoint; retry after the next checkpoint (or when the TSA answers again)`);
        }
        let cpIndex = checkpoints.findIndex((c) => c.jws === cp.jws);
        if (cpIndex < 0) {
          const t = stamps.get(cp.payload.seq)!;
          checkpoints.push({ jws: cp.jws, timestamp: { tsa: t.tsa, genTime: t.genTime, token: t.token } });
          cpIndex = checkpoints.length - 1;
        }
        const related = [w, ...[...m.certificates, ...m.ocspResponses].map((h) => byHash.get(h)).filter((x) => x !== undefined)];
        for (const leaf of related) {
          if (items.some((it) => it.index === leaf.entry.index)) continue;
          items.push({
            index: leaf.entry.index,
            entry: Buffer.from(leaf.frame.entry).toString('base64'),
            ...(leaf.frame.body.length > 0 ? { body: Buffer.from(leaf.frame.body).toString('base64') } : {}),
            proof: range.inclusionProof(leaf.entry.index, cp.payload.treeSize).map((p) => Buffer.from(p).toString('hex')),
            checkpoint: cpIndex,
          });
        }
      }
    }
    if (items.length === 0) throw new MessageLogError('TONLE_ERR_MESSAGE_LOG_NOT_FOUND', `no record with X-Road id ${xRoadId} in the live log or its archives`);
    return { format: 'tonle-evidence-bundle', version: 1, xRoadId, exportedAt: this.#deps.clock.now(), items, checkpoints };
  }

  /**
   * Moves every sealed segment whose checkpoints are all time-stamped into a self-describing archive
   * (its frames + the time-stamp frames of its checkpoints, optionally encrypted), then applies retention.
   */
  async archive(): Promise<void> {
    this.#assertOpen();
    await this.#exclusive(async () => {
      const names = await listSegments(this.#dir);
      const live = this.#segment!.name;
      const parsed: { name: string; frames: Frame[] }[] = [];
      for (const name of names) parsed.push({ name, frames: decodeFrames(await readFile(join(this.#dir, name))).frames });
      const stampFrames = new Map<number, Frame>();
      for (const p of parsed) for (const f of p.frames) if (f.type === FrameType.timestamp) stampFrames.set(Number(parseEntry(f)['checkpointSeq']), f);
      const now = this.#deps.clock.now();
      for (const p of parsed) {
        if (p.name === live) break;
        const seqs = p.frames.filter((f) => f.type === FrameType.checkpoint).map((f) => checkpointPayload(String(parseEntry(f)['jws'])));
        if (seqs.some((c) => !stampFrames.has(c.seq))) break; // archive in order only
        const lastTime = Math.max(0, ...seqs.map((c) => c.time));
        const inFile = new Set(p.frames.filter((f) => f.type === FrameType.timestamp).map((f) => Number(parseEntry(f)['checkpointSeq'])));
        const extra = seqs.filter((c) => !inFile.has(c.seq)).map((c) => stampFrames.get(c.seq)!);
        const stripBodies = this.#deps.config.bodyRetentionMs !== undefined && now - lastTime >= this.#deps.config.bodyRetentionMs;
        const content = buildArchive(p.frames, extra, stripBodies);
        const header = parseEntry(p.frames[0]!) as unknown as HeaderEntry;
        const end = header.firstIndex + p.frames.filter((f) => f.type === FrameType.leaf).length;
        const name = archiveName(header.firstIndex, end, lastTime, stripBodies);
        await writeDurably(this.#archiveDir, name, sealArchive(content, this.#deps.config.archiveKey));
        await removeFile(join(this.#dir, p.name));
        await syncDirectory(this.#dir);
        this.#deps.log?.info({ module: 'message-log', segment: p.name, archive: name }, 'segment archived');
      }
      await this.#applyRetention(now);
    });
  }

  async #applyRetention(now: number): Promise<void> {
    const { retentionMs, bodyRetentionMs, archiveKey } = this.#deps.config;
    for (const name of (await readdir(this.#archiveDir)).filter((n) => n.endsWith(ARCHIVE_EXTENSION)).sort()) {
      const m = /^archive-(\d{16})-(\d{16})-(\d{13,16})(-nobody)?\.tla$/.exec(name);
      if (m === null) continue;
      const lastTime = Number(m[3]);
      if (retentionMs !== undefined && now - lastTime >= retentionMs) {
        await removeFile(join(this.#archiveDir, name));
        this.#deps.log?.info({ module: 'message-log', archive: name }, 'archive removed by retention');
        continue;
      }
      if (bodyRetentionMs !== undefined && m[4] === undefined && now - lastTime >= bodyRetentionMs) {
        const frames = decodeFrames(openArchive(await readFile(join(this.#archiveDir, name)), archiveKey)).frames;
        const stripped = archiveName(Number(m[1]), Number(m[2]), lastTime, true);
        await writeDurably(this.#archiveDir, stripped, sealArchive(buildArchive(frames, [], true), archiveKey));
        await removeFile(join(this.#archiveDir, name));
        await syncDirectory(this.#archiveDir);
      }
    }
  }
}

function archiveName(first: number, end: number, lastTime: number, bodiesRemoved: boolean): string {
  return `archive-${String(first).padStart(16, '0')}-${String(end).padStart(16, '0')}-${String(lastTime).padStart(13, '0')}${bodiesRemoved ? '-nobody' : ''}${ARCHIVE_EXTENSION}`;
}

/** Archive = the segment's frames with the header re-marked `archive`, plus stamps that arrived later. */
function buildArchive(frames: readonly Frame[], extraStamps: readonly Frame[], stripBodies: boolean): Buffer {
  const out: Buffer[] = [];
  for (const f of [...frames, ...extraStamps]) {
    if (f.type === FrameType.header) {
      const h = parseEntry(f) as unknown as HeaderEntry;
      out.push(encodeFrame(FrameType.header, encodeEntry({ ...h, kind: 'archive' })));
    } else {
      out.push(encodeFrame(f.type, f.entry, stripBodies ? new Uint8Array(0) : f.body));
    }
  }
  return Buffer.concat(out);
}

async function writeDurably(dir: string, name: string, data: Uint8Array): Promise<void> {
  const tmp = join(dir, `${name}.tmp`);
  await writeFile(tmp, data);
  const fh = await open(tmp, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, join(dir, name));
  await syncDirectory(dir);
}
