import { open, readdir, writeFile, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import {
  FrameType,
  SEGMENT_EXTENSION,
  encodeEntry,
  encodeFrame,
  frontierToJson,
  LOG_FORMAT,
  LOG_FORMAT_VERSION,
  scanFrames,
  type MerkleFrontier,
  type Frame,
} from '@tonle/audit';
import { MessageLogError } from './errors.ts';

/** `segment-<first leaf index, 16 digits>.tlog`: names sort in log order. */
export function segmentName(firstIndex: number): string {
  return `segment-${String(firstIndex).padStart(16, '0')}${SEGMENT_EXTENSION}`;
}

export async function listSegments(directory: string): Promise<string[]> {
  const names = await readdir(directory);
  return names.filter((n) => /^segment-\d{16}\.tlog$/.test(n)).sort();
}

/** fsync of the directory, so a created or renamed file survives a crash (POSIX rename/create semantics). */
export async function syncDirectory(directory: string): Promise<void> {
  const fh = await open(directory, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export interface RecoveredSegment {
  readonly name: string;
  /** Bytes moved aside because they formed a torn tail (0 when the file ended cleanly). */
  readonly tornBytes: number;
  readonly size: number;
}

/**
 * Reads a segment frame by frame, handing each to `onFrame` (valid only during the call: the segment is
 * read through a bounded window, never whole, so opening a log of many full segments stays small). In the
 * last (live) segment, a frame that is cut off or fails its CRC is a torn tail from a crash: nothing in it
 * was acknowledged (append resolves only after fsync of the whole frame), so it is moved aside to
 * `<name>.torn-<offset>` for the operator and the file is truncated to the last complete frame. In any
 * earlier segment the same thing is corruption and opening fails.
 */
export async function recoverSegment(directory: string, name: string, isLast: boolean, onFrame: (frame: Frame) => void): Promise<RecoveredSegment> {
  const path = join(directory, name);
  const reader = await open(path, 'r');
  let scanned;
  let torn: Buffer | undefined;
  try {
    scanned = await scanFrames(async (buffer, offset, length, position) => (await reader.read(buffer, offset, length, position)).bytesRead, onFrame);
    if (scanned.problem !== undefined && isLast) {
      const fileSize = (await reader.stat()).size;
      torn = Buffer.alloc(fileSize - scanned.problem.offset);
      let got = 0;
      while (got < torn.length) {
        const n = (await reader.read(torn, got, torn.length - got, scanned.problem.offset + got)).bytesRead;
        if (n === 0) break;
        got += n;
      }
      torn = torn.subarray(0, got);
    }
  } finally {
    await reader.close();
  }
  const { problem } = scanned;
  if (problem === undefined) return { name, tornBytes: 0, size: scanned.size };
  if (!isLast || torn === undefined) {
    throw new MessageLogError(
      'TONLE_ERR_MESSAGE_LOG_CORRUPT',
      `${name} is damaged at offset ${problem.offset} (${problem.detail}); it is not the live segment, so this is not a torn write. Run \`tonle audit verify ${directory}\` and restore the file from backup.`,
    );
  }
  await writeFile(join(directory, `${name}.torn-${problem.offset}`), torn, { flag: 'wx' }).catch(async (e: unknown) => {
    if ((e as { code?: string }).code !== 'EEXIST') throw e;
  });
  const fh = await open(path, 'r+');
  try {
    await fh.truncate(problem.offset);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return { name, tornBytes: torn.length, size: problem.offset };
}

/** Creates a new segment whose header says where it starts in the Merkle log; durable before it returns. */
export async function createSegment(
  directory: string,
  firstIndex: number,
  frontier: MerkleFrontier,
  nextCheckpointSeq: number,
  createdAt: number,
): Promise<{ name: string; handle: FileHandle; size: number }> {
  const name = segmentName(firstIndex);
  const header = encodeFrame(
    FrameType.header,
    encodeEntry({ type: 'header', format: LOG_FORMAT, version: LOG_FORMAT_VERSION, kind: 'segment', firstIndex, frontier: frontierToJson(frontier), nextCheckpointSeq, createdAt }),
  );
  // Written to a temporary name first and renamed, so a crash never leaves a segment without a header.
  const tmp = join(directory, `${name}.tmp`);
  await writeFile(tmp, header);
  const t = await open(tmp, 'r+');
  await t.sync();
  await t.close();
  await rename(tmp, join(directory, name));
  await syncDirectory(directory);
  const handle = await open(join(directory, name), 'a');
  return { name, handle, size: header.length };
}

export async function removeFile(path: string): Promise<void> {
  await unlink(path).catch((e: unknown) => {
    if ((e as { code?: string }).code !== 'ENOENT') throw e;
  });
}
