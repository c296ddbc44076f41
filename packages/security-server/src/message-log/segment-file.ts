import { open, readdir, readFile, writeFile, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import {
  FrameType,
  SEGMENT_EXTENSION,
  decodeFrames,
  encodeEntry,
  encodeFrame,
  frontierToJson,
  LOG_FORMAT,
  LOG_FORMAT_VERSION,
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
  readonly frames: Frame[];
  /** Bytes moved aside because they formed a torn tail (0 when the file ended cleanly). */
  readonly tornBytes: number;
  readonly size: number;
}

/**
 * Reads a segment. In the last (live) segment, a frame that is cut off or fails its CRC is a torn tail
 * from a crash: nothing in it was acknowledged (append resolves only after fsync of the whole frame), so
 * it is moved aside to `<name>.torn-<offset>` for the operator and the file is truncated to the last
 * complete frame. In any earlier segment the same thing is corruption and opening fails.
 */
export async function recoverSegment(directory: string, name: string, isLast: boolean): Promise<RecoveredSegment> {
  const path = join(directory, name);
  const bytes = await readFile(path);
  const { frames, problem } = decodeFrames(bytes);
  if (problem === undefined) return { name, frames, tornBytes: 0, size: bytes.length };
  if (!isLast) {
    throw new MessageLogError(
      'TONLE_ERR_MESSAGE_LOG_CORRUPT',
      `${name} is damaged at offset ${problem.offset} (${problem.detail}); it is not the live segment, so this is not a torn write. Run \`tonle audit verify ${directory}\` and restore the file from backup.`,
    );
  }
  const torn = bytes.subarray(problem.offset);
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
  return { name, frames, tornBytes: torn.length, size: problem.offset };
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
