import { randomBytes } from 'node:crypto';
import { link, mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `data` to a temporary file beside `path`, fsyncs it, then renames it over `path` and fsyncs
 * the directory: a reader sees either the old or the new content, never a torn file, and the new
 * content survives a crash once this resolves. `mode` (default 0600: state files often hold secrets or
 * personal data) applies to the new file.
 *
 * @example
 * await writeFileAtomic('/var/lib/tonle/state.json', JSON.stringify(state));
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string, mode = 0o600): Promise<void> {
  const tmp = await writeTemp(path, data, mode);
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await syncDir(dirname(path));
}

/**
 * Like {@link writeFileAtomic} but fails with `EEXIST` instead of replacing an existing file (the
 * temporary file is hard-linked into place, which is atomic and refuses to overwrite).
 *
 * @example
 * await createFileAtomic('/var/lib/tonle/serial', '1'); // rejects with EEXIST the second time
 */
export async function createFileAtomic(path: string, data: Uint8Array | string, mode = 0o600): Promise<void> {
  const tmp = await writeTemp(path, data, mode);
  try {
    await link(tmp, path);
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  await syncDir(dirname(path));
}

async function writeTemp(path: string, data: Uint8Array | string, mode: number): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (e) {
    await handle.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await handle.close();
  return tmp;
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
