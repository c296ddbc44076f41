import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  ARCHIVE_EXTENSION,
  FrameType,
  SEGMENT_EXTENSION,
  checkpointPayload,
  decodeFrameAt,
  frontierFromJson,
  leafHash,
  openArchive,
  parseEntry,
  type CheckpointPayload,
  type Frame,
  type HeaderEntry,
  type MaterialEntry,
  type MessageEntry,
  MerkleRange,
  verifyLogConsistency,
  type MerkleFrontier,
} from '../log-format/index.ts';
import { checkJws, checkTimestampToken, type TrustAnchors } from '../trust/index.ts';

/** What failed, and exactly where: the file, the byte offset, and the record index or checkpoint number. */
export interface VerifyProblem {
  readonly code:
    | 'FILE_UNREADABLE'
    | 'FILE_SEQUENCE'
    | 'FRAME_CORRUPT'
    | 'FRAME_TRUNCATED'
    | 'HEADER_INVALID'
    | 'ENTRY_INVALID'
    | 'RECORD_INDEX'
    | 'RECORD_CONTENT'
    | 'CHECKPOINT_SEQUENCE'
    | 'CHECKPOINT_ROOT'
    | 'CHECKPOINT_SIGNATURE'
    | 'SEGMENT_UNSEALED'
    | 'TIMESTAMP_INVALID'
    | 'TIMESTAMP_ORPHAN'
    | 'CHECKPOINT_UNSTAMPED'
    | 'RECORDS_UNCOVERED'
    | 'EMPTY';
  readonly file: string;
  readonly offset?: number;
  readonly recordIndex?: number;
  readonly checkpointSeq?: number;
  readonly message: string;
}

export interface LogVerifyReport {
  readonly ok: boolean;
  readonly files: number;
  readonly records: number;
  readonly messages: number;
  readonly checkpoints: number;
  readonly timestamps: number;
  /** Checkpoints without a time-stamp token (allowed only with `allowPending`). */
  readonly unstampedCheckpoints: readonly number[];
  /** Records after the last checkpoint (allowed only with `allowPending`). */
  readonly uncoveredRecords: number;
  /** Bytes of a frame still being written at the end of a live log (only with `allowPending`). */
  readonly incompleteTailBytes: number;
  readonly firstIndex: number | undefined;
  readonly problem?: VerifyProblem;
}

export interface VerifyLogOptions {
  readonly anchors: TrustAnchors;
  /** AES-256 key for encrypted archives. */
  readonly archiveKey?: Uint8Array;
  /**
   * Accept a live log's open end: records not yet under a checkpoint, checkpoints still waiting for a
   * time-stamp, and a frame still being written at the end of the last file. Without it the log must be
   * fully sealed and stamped.
   */
  readonly allowPending?: boolean;
  /** Called about every MiB and after each file with bytes done / total (of the files as stored). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Lists the log files of a directory (archives and live segments; an `archive/` subfolder is included). */
export async function listLogFiles(path: string): Promise<string[]> {
  const info = await stat(path);
  if (!info.isDirectory()) return [path];
  const found: string[] = [];
  const scan = async (dir: string): Promise<void> => {
    for (const n of await readdir(dir, { withFileTypes: true })) {
      if (n.isDirectory() && n.name === 'archive') await scan(join(dir, n.name));
      else if (n.isFile() && (n.name.endsWith(SEGMENT_EXTENSION) || n.name.endsWith(ARCHIVE_EXTENSION))) found.push(join(dir, n.name));
    }
  };
  await scan(path);
  // archive-<first>-... and segment-<first>: order by first leaf index, archives before a live segment.
  const first = (p: string): number => Number(/-(\d{16})/.exec(basename(p))?.[1] ?? Number.MAX_SAFE_INTEGER);
  return found.sort((a, b) => first(a) - first(b) || (a.endsWith(ARCHIVE_EXTENSION) ? -1 : 1));
}

const sha256 = (d: Uint8Array): Buffer => createHash('sha256').update(d).digest();

interface PendingLeaf {
  readonly hash: Uint8Array;
  readonly file: string;
  readonly offset: number;
  readonly index: number;
}

/**
 * Verifies a whole message log (a directory of segments and archives, or one archive file) offline:
 * every frame's framing and CRC, record index continuity (nothing deleted, duplicated or reordered),
 * body commitments and material hashes, every checkpoint's root recomputed from the records (which also
 * proves each checkpoint is consistent with the previous one: the same leaves extended), checkpoint
 * signatures and certificate chains, and every RFC 3161 token against the trust anchors.
 * Stops at the first problem and names it precisely.
 */
export async function verifyLog(path: string, options: VerifyLogOptions): Promise<LogVerifyReport> {
  const files = await listLogFiles(path);
  const sizes = await Promise.all(files.map(async (f) => (await stat(f)).size));
  const total = sizes.reduce((a, b) => a + b, 0);
  let done = 0;

  let base: MerkleFrontier | undefined;
  let pending: PendingLeaf[] = [];
  let expected = 0;
  let firstIndex: number | undefined;
  let nextSeq = 0;
  let baseSeq = 0;
  let lastCheckpointTime = -Infinity;
  let records = 0;
  let messages = 0;
  let timestamps = 0;
  let incompleteTailBytes = 0;
  let previousHead: { treeSize: number; root: Uint8Array } | undefined;
  const checkpoints = new Map<number, { jws: string; payload: CheckpointPayload; file: string; offset: number }>();
  const stamped = new Set<number>();

  const report = (problem?: VerifyProblem): LogVerifyReport => {
    const unstampedCheckpoints = [...checkpoints.keys()].filter((s) => !stamped.has(s));
    return {
      ok: problem === undefined,
      files: files.length,
      records,
      messages,
      checkpoints: checkpoints.size,
      timestamps,
      unstampedCheckpoints,
      uncoveredRecords: pending.length,
      incompleteTailBytes,
      firstIndex,
      ...(problem === undefined ? {} : { problem }),
    };
  };

  if (files.length === 0) return report({ code: 'EMPTY', file: path, message: 'no message-log segments (*.tlog) or archives (*.tla) found' });

  for (const [fileNo, file] of files.entries()) {
    const name = basename(file);
    let bytes: Uint8Array;
    try {
      bytes = openArchive(await readFile(file), options.archiveKey);
    } catch (e) {
      return report({ code: 'FILE_UNREADABLE', file: name, message: e instanceof Error ? e.message : String(e) });
    }
    let offset = 0;
    let sawHeader = false;
    while (offset < bytes.length) {
      const r = decodeFrameAt(bytes, offset);
      // A live log being written: the frame in flight at the end of the last file is not an error when the
      // open end is accepted (it was never acknowledged).
      if (!r.ok && r.problem === 'truncated' && options.allowPending === true && fileNo === files.length - 1) {
        incompleteTailBytes = bytes.length - r.offset;
        break;
      }
      if (!r.ok) {
        return report({
          code: r.problem === 'truncated' ? 'FRAME_TRUNCATED' : 'FRAME_CORRUPT',
          file: name,
          offset: r.offset,
          recordIndex: expected,
          message: `${r.detail} (the damaged frame is at or just before record ${expected})`,
        });
      }
      const frame: Frame = r.frame;
      offset += frame.length;
      // progress inside large files too, about every MiB
      if (options.onProgress !== undefined && Math.floor(offset / 1_048_576) !== Math.floor((offset - frame.length) / 1_048_576)) {
        options.onProgress(done + Math.min(offset, sizes[fileNo] ?? offset), total);
      }
      let entry: Record<string, unknown>;
      try {
        entry = parseEntry(frame);
      } catch (e) {
        return report({ code: 'ENTRY_INVALID', file: name, offset: frame.offset, recordIndex: expected, message: e instanceof Error ? e.message : String(e) });
      }

      if (!sawHeader) {
        if (frame.type !== FrameType.header) return report({ code: 'HEADER_INVALID', file: name, offset: frame.offset, message: 'file does not start with a header frame' });
        sawHeader = true;
        const h = entry as unknown as HeaderEntry;
        let frontier: MerkleFrontier;
        try {
          frontier = frontierFromJson(h.frontier);
        } catch (e) {
          return report({ code: 'HEADER_INVALID', file: name, offset: frame.offset, message: e instanceof Error ? e.message : String(e) });
        }
        if (h.format !== 'tonle-message-log' || h.version !== 1 || frontier.size !== h.firstIndex) {
          return report({ code: 'HEADER_INVALID', file: name, offset: frame.offset, message: 'header is not a tonle-message-log v1 header or its frontier does not match firstIndex' });
        }
        if (base === undefined) {
          base = frontier;
          expected = h.firstIndex;
          firstIndex = h.firstIndex;
          nextSeq = h.nextCheckpointSeq;
          baseSeq = h.nextCheckpointSeq;
        } else {
          if (pending.length > 0) {
            return report({ code: 'SEGMENT_UNSEALED', file: basename(files[fileNo - 1]!), recordIndex: pending[0]!.index, offset: pending[0]!.offset, message: `records from ${pending[0]!.index} are not covered by a checkpoint, yet another file follows` });
          }
          if (h.firstIndex !== expected) {
            return report({ code: 'FILE_SEQUENCE', file: name, offset: frame.offset, recordIndex: expected, message: `file starts at record ${h.firstIndex}, expected ${expected} (a file is missing or duplicated)` });
          }
          if (!Buffer.from(frontier.root()).equals(Buffer.from(base.root())) || h.nextCheckpointSeq !== nextSeq) {
            return report({ code: 'HEADER_INVALID', file: name, offset: frame.offset, message: 'header does not continue the previous file (frontier or checkpoint number differs)' });
          }
        }
        continue;
      }

      if (frame.type === FrameType.header) return report({ code: 'HEADER_INVALID', file: name, offset: frame.offset, message: 'second header inside a file' });

      if (frame.type === FrameType.leaf) {
        const index = entry['index'];
        if (index !== expected) {
          const what = typeof index === 'number' && index < expected ? 'duplicated or out of order' : 'missing (deleted) or out of order';
          return report({ code: 'RECORD_INDEX', file: name, offset: frame.offset, recordIndex: expected, message: `record ${expected} is ${what}: found index ${String(index)}` });
        }
        const problem = checkLeafContent(entry, frame);
        if (problem !== undefined) return report({ code: 'RECORD_CONTENT', file: name, offset: frame.offset, recordIndex: expected, message: problem });
        pending.push({ hash: leafHash(frame.entry), file: name, offset: frame.offset, index: expected });
        records++;
        if (entry['type'] === 'message') messages++;
        expected++;
        continue;
      }

      if (frame.type === FrameType.checkpoint) {
        let payload: CheckpointPayload;
        const jws = entry['jws'];
        try {
          if (typeof jws !== 'string') throw new TypeError('checkpoint without jws');
          payload = checkpointPayload(jws);
        } catch (e) {
          return report({ code: 'ENTRY_INVALID', file: name, offset: frame.offset, checkpointSeq: nextSeq, message: e instanceof Error ? e.message : String(e) });
        }
        const at = { file: name, offset: frame.offset, checkpointSeq: payload.seq };
        if (payload.seq !== nextSeq) return report({ code: 'CHECKPOINT_SEQUENCE', ...at, message: `checkpoint ${payload.seq} found where ${nextSeq} was expected (a checkpoint is missing, duplicated or reordered)` });
        if (payload.time < lastCheckpointTime) return report({ code: 'CHECKPOINT_SEQUENCE', ...at, message: 'checkpoint time goes backwards' });
        const b = base!;
        const grow = payload.treeSize - b.size;
        if (grow < 0 || grow > pending.length) {
          return report({ code: 'CHECKPOINT_ROOT', ...at, recordIndex: b.size + pending.length, message: `checkpoint covers ${payload.treeSize} records but only records up to ${b.size + pending.length - 1} precede it (record ${b.size + pending.length} is missing)` });
        }
        const next = b.clone();
        const added = pending.slice(0, grow);
        for (const leaf of added) next.push(leaf.hash);
        if (Buffer.from(next.root()).toString('hex') !== payload.rootHash) {
          return report({ code: 'CHECKPOINT_ROOT', ...at, recordIndex: b.size, message: `root of records 0..${payload.treeSize - 1} does not match checkpoint ${payload.seq} (records ${b.size}..${payload.treeSize - 1} or the checkpoint were altered)` });
        }
        // RFC 9162 §2.1.4: the previous signed tree head is a prefix of this one (checked with a consistency
        // proof, as a party holding only the two checkpoints would).
        if (previousHead !== undefined && previousHead.treeSize > 0) {
          const proof = new MerkleRange(b, added.map((l) => l.hash)).consistencyProof(previousHead.treeSize, payload.treeSize);
          const consistent = verifyLogConsistency({ oldSize: previousHead.treeSize, newSize: payload.treeSize, oldRoot: previousHead.root, newRoot: Buffer.from(payload.rootHash, 'hex'), proof });
          if (!consistent) return report({ code: 'CHECKPOINT_ROOT', ...at, message: `checkpoint ${payload.seq} is not consistent with the previous checkpoint` });
        }
        previousHead = { treeSize: payload.treeSize, root: Buffer.from(payload.rootHash, 'hex') };
        const sig = checkJws(jws as string, options.anchors, payload.time);
        if (!sig.ok) return report({ code: 'CHECKPOINT_SIGNATURE', ...at, message: `checkpoint ${payload.seq}: ${sig.reason}` });
        base = next;
        pending = pending.slice(grow);
        checkpoints.set(payload.seq, { jws: jws as string, payload, file: name, offset: frame.offset });
        nextSeq++;
        lastCheckpointTime = payload.time;
        continue;
      }

      // FrameType.timestamp
      const seq = entry['checkpointSeq'];
      const token = entry['token'];
      if (typeof seq !== 'number' || typeof token !== 'string') return report({ code: 'ENTRY_INVALID', file: name, offset: frame.offset, message: 'time-stamp entry needs checkpointSeq and token' });
      const cp = checkpoints.get(seq);
      if (cp === undefined) {
        // A stamp for a checkpoint in an archive removed by retention is expected; one for an unknown later checkpoint is not.
        if (seq >= baseSeq) return report({ code: 'TIMESTAMP_ORPHAN', file: name, offset: frame.offset, checkpointSeq: seq, message: `time-stamp for checkpoint ${seq}, which does not precede it` });
        continue;
      }
      if (stamped.has(seq)) continue; // an archive and the live log may both carry the same stamp
      const ts = checkTimestampToken(Buffer.from(token, 'base64'), Buffer.from(cp.jws, 'ascii'), options.anchors);
      if (!ts.ok) return report({ code: 'TIMESTAMP_INVALID', file: name, offset: frame.offset, checkpointSeq: seq, message: `time-stamp of checkpoint ${seq}: ${ts.reason}` });
      if (ts.genTime + 5 * 60_000 < cp.payload.time) return report({ code: 'TIMESTAMP_INVALID', file: name, offset: frame.offset, checkpointSeq: seq, message: `time-stamp of checkpoint ${seq} is older than the checkpoint` });
      stamped.add(seq);
      timestamps++;
    }
    if (!sawHeader) return report({ code: 'HEADER_INVALID', file: name, offset: 0, message: 'empty file' });
    done += sizes[fileNo] ?? 0;
    options.onProgress?.(done, total);
  }

  if (options.allowPending !== true) {
    const unstamped = [...checkpoints.values()].find((c) => !stamped.has(c.payload.seq));
    if (unstamped !== undefined) {
      return report({ code: 'CHECKPOINT_UNSTAMPED', file: unstamped.file, offset: unstamped.offset, checkpointSeq: unstamped.payload.seq, message: `checkpoint ${unstamped.payload.seq} has no time-stamp token (pass allowPending for a live log)` });
    }
    const first = pending[0];
    if (first !== undefined) {
      return report({ code: 'RECORDS_UNCOVERED', file: first.file, offset: first.offset, recordIndex: first.index, message: `records from ${first.index} are not covered by a signed checkpoint (pass allowPending for a live log)` });
    }
  }
  return report();
}

/** Checks what a single leaf can prove about itself: material hash and body commitment. */
export function checkLeafContent(entry: Record<string, unknown>, frame: Frame): string | undefined {
  if (entry['type'] === 'material') {
    const m = entry as unknown as MaterialEntry;
    if (typeof m.der !== 'string' || sha256(Buffer.from(m.der, 'base64')).toString('hex') !== m.sha256) return 'material DER does not match its SHA-256';
    if (frame.body.length > 0) return 'material record carries a body';
    return undefined;
  }
  if (entry['type'] !== 'message') return `unknown record type ${String(entry['type'])}`;
  const m = entry as unknown as MessageEntry;
  const hexList = (v: unknown): boolean => Array.isArray(v) && v.every((h) => typeof h === 'string' && /^[0-9a-f]{64}$/.test(h));
  if (
    typeof m.xRoadId !== 'string' ||
    typeof m.client !== 'string' ||
    typeof m.service !== 'string' ||
    !['request', 'response', 'refusal'].includes(m.kind) ||
    !['client', 'server'].includes(m.side) ||
    !Number.isSafeInteger(m.time) ||
    !hexList(m.certificates) ||
    !hexList(m.ocspResponses) ||
    (m.jws !== undefined && typeof m.jws !== 'string') ||
    (m.headerPart !== undefined && typeof m.headerPart !== 'string')
  ) {
    return 'message record lacks or mistypes a required field';
  }
  if (m.body !== undefined) {
    const b = m.body as Partial<MessageEntry['body'] & object>;
    if (typeof b !== 'object' || b === null || typeof b.salt !== 'string' || typeof b.commitment !== 'string' || !Number.isSafeInteger(b.size) || typeof b.logged !== 'boolean') {
      return 'message record has a malformed body commitment';
    }
  }
  if (frame.body.length > 0) {
    if (m.body === undefined || !m.body.logged) return 'record carries a body it did not commit to';
    const c = createHash('sha256').update(Buffer.from(m.body.salt, 'base64')).update(frame.body).digest('hex');
    if (c !== m.body.commitment || frame.body.length !== m.body.size) return 'body does not match its salted commitment';
  }
  return undefined;
}
