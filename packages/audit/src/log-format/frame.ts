import { crc32 } from 'node:zlib';
import { AuditError } from '../errors.ts';

/**
 * Frame layout (all integers big-endian), one per record, checkpoint, time-stamp or segment header:
 *   u8 type | u32 entryLength | u32 bodyLength | entry (UTF-8 JSON) | body | u32 CRC-32 over everything before it
 * The length prefix plus CRC lets a reader tell a complete frame from a torn one at any crash instant;
 * the body sits outside the entry so it can be dropped at retention without changing the Merkle leaf.
 */
export const FrameType = { header: 0, leaf: 1, checkpoint: 2, timestamp: 3 } as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

const HEAD = 9;
const TAIL = 4;
/** Upper bound that keeps a corrupted length from making a reader allocate gigabytes. */
export const MAX_FRAME_PART = 256 * 1024 * 1024;

export interface Frame {
  readonly type: FrameType;
  /** Exact entry bytes: the Merkle leaf data for leaf frames. */
  readonly entry: Uint8Array;
  readonly body: Uint8Array;
  /** Byte offset of the frame in its file. */
  readonly offset: number;
  /** Total encoded length. */
  readonly length: number;
}

export function encodeFrame(type: FrameType, entry: Uint8Array, body: Uint8Array = new Uint8Array(0)): Buffer {
  const out = Buffer.allocUnsafe(HEAD + entry.length + body.length + TAIL);
  out.writeUInt8(type, 0);
  out.writeUInt32BE(entry.length, 1);
  out.writeUInt32BE(body.length, 5);
  out.set(entry, HEAD);
  out.set(body, HEAD + entry.length);
  const end = HEAD + entry.length + body.length;
  out.writeUInt32BE(crc32(out.subarray(0, end)), end);
  return out;
}

/** Why a frame could not be read: `truncated` = the file ends inside it (a torn tail); `corrupt` = bad bytes. */
export type FrameProblem = 'truncated' | 'corrupt';

export type DecodeResult =
  | { readonly ok: true; readonly frame: Frame }
  | { readonly ok: false; readonly problem: FrameProblem; readonly offset: number; readonly detail: string };

/** Decodes the frame at `offset`, or says precisely why it cannot. Never throws on bad input. */
export function decodeFrameAt(buf: Uint8Array, offset: number): DecodeResult {
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.length - offset < HEAD) return { ok: false, problem: 'truncated', offset, detail: 'file ends inside a frame header' };
  const type = view.readUInt8(offset);
  if (type > FrameType.timestamp) return { ok: false, problem: 'corrupt', offset, detail: `unknown frame type ${type}` };
  const entryLength = view.readUInt32BE(offset + 1);
  const bodyLength = view.readUInt32BE(offset + 5);
  if (entryLength > MAX_FRAME_PART || bodyLength > MAX_FRAME_PART) {
    return { ok: false, problem: 'corrupt', offset, detail: 'frame length out of range' };
  }
  const end = offset + HEAD + entryLength + bodyLength;
  if (end + TAIL > view.length) return { ok: false, problem: 'truncated', offset, detail: 'file ends inside a frame' };
  const expected = view.readUInt32BE(end);
  if (crc32(view.subarray(offset, end)) !== expected) {
    return { ok: false, problem: 'corrupt', offset, detail: 'frame CRC-32 mismatch' };
  }
  return {
    ok: true,
    frame: {
      type: type as FrameType,
      entry: view.subarray(offset + HEAD, offset + HEAD + entryLength),
      body: view.subarray(offset + HEAD + entryLength, end),
      offset,
      length: end + TAIL - offset,
    },
  };
}

/** Reads every frame of a buffer; stops at the first bad one and reports it. */
export function decodeFrames(buf: Uint8Array): { frames: Frame[]; problem?: Extract<DecodeResult, { ok: false }> } {
  const frames: Frame[] = [];
  let offset = 0;
  while (offset < buf.length) {
    const r = decodeFrameAt(buf, offset);
    if (!r.ok) return { frames, problem: r };
    frames.push(r.frame);
    offset += r.frame.length;
  }
  return { frames };
}

/** Parses a frame's JSON entry; a coded error when it is not an object. */
export function parseEntry(frame: Frame): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(frame.entry).toString('utf8'));
  } catch (cause) {
    throw new AuditError('TONLE_ERR_AUDIT_ENTRY_INVALID', `entry at offset ${frame.offset} is not valid JSON`, { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AuditError('TONLE_ERR_AUDIT_ENTRY_INVALID', `entry at offset ${frame.offset} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** Reads up to `length` bytes at `position` of a file into `buffer` at `offset`; resolves with the count (0 at the end). */
export type ReadAt = (buffer: Buffer, offset: number, length: number, position: number) => Promise<number>;

/**
 * Decodes a file frame by frame through a bounded window (`windowBytes`, grown only for a frame larger than
 * it), so a reader never holds a whole segment. Each frame is handed to `onFrame` and is valid only during
 * that call (its bytes are reused afterwards); `frame.offset` is its offset in the file. Stops at the first
 * bad frame and reports it as {@link decodeFrames} does; `size` is where the last good frame ends.
 */
export async function scanFrames(
  read: ReadAt,
  onFrame: (frame: Frame) => void,
  windowBytes = 8 * 1024 * 1024,
): Promise<{ size: number; problem?: Extract<DecodeResult, { ok: false }> }> {
  let window = Buffer.allocUnsafe(windowBytes);
  let start = 0; // file offset of window[0]
  let filled = 0;
  let pos = 0;
  let eof = false;
  const more = async (): Promise<void> => {
    const rest = filled - pos;
    // room for at least the frame being read (its header when even that is incomplete)
    const needed = rest >= HEAD ? HEAD + window.readUInt32BE(pos + 1) + window.readUInt32BE(pos + 5) + TAIL : HEAD;
    const capacity = Math.max(window.length, needed);
    const next = capacity > window.length ? Buffer.allocUnsafe(capacity) : window;
    window.copy(next, 0, pos, filled);
    window = next;
    start += pos;
    filled = rest;
    pos = 0;
    const n = await read(window, filled, window.length - filled, start + filled);
    if (n === 0) eof = true;
    filled += n;
  };
  for (;;) {
    if (pos === filled) {
      if (eof) return { size: start + pos };
      await more();
      continue;
    }
    const r = decodeFrameAt(window.subarray(0, filled), pos);
    if (r.ok) {
      onFrame({ ...r.frame, offset: start + r.frame.offset });
      pos += r.frame.length;
    } else if (r.problem === 'truncated' && !eof) {
      await more();
    } else {
      return { size: start + pos, problem: { ...r, offset: start + r.offset } };
    }
  }
}
