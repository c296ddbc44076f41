import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { FrameType, decodeFrames, openArchive, parseEntry, type MessageEntry } from '../log-format/index.ts';
import { listLogFiles } from './verify-log.ts';

export interface ShownRecord {
  readonly file: string;
  readonly offset: number;
  readonly entry: MessageEntry;
  readonly bodyRetained: boolean;
}

/** Finds the records of one exchange (by X-Road id) in a log directory; no verification (use verifyLog). */
export async function findMessageRecords(path: string, xRoadId: string, archiveKey?: Uint8Array): Promise<ShownRecord[]> {
  const out: ShownRecord[] = [];
  for (const file of await listLogFiles(path)) {
    const { frames } = decodeFrames(openArchive(await readFile(file), archiveKey));
    for (const f of frames) {
      if (f.type !== FrameType.leaf) continue;
      const e = parseEntry(f);
      if (e['type'] === 'message' && e['xRoadId'] === xRoadId) out.push({ file: basename(file), offset: f.offset, entry: e as unknown as MessageEntry, bodyRetained: f.body.length > 0 });
    }
  }
  return out;
}
