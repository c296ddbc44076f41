import { writeFileAtomic } from '@tonle/durable-file';
import { mkdir, readFile, readdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RegistryError } from '../errors/index.ts';
import type { PublishedConfiguration, RegistryStore, StoredState } from './types.ts';

const STATE = 'state.json';
const PUBLISHED = 'published.json';
const REQUEST_IDS = 'request-ids.json';
const LOCK = 'registry.lock';

/** Crash-safe (old or new content, never torn), mode 0600: the state holds the registry's data. */
function writeAtomic(dir: string, name: string, data: string): Promise<void> {
  return writeFileAtomic(join(dir, name), data);
}

async function readJson<T>(dir: string, name: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, name), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RegistryError('TONLE_ERR_REGISTRY_STORE_UNAVAILABLE', `Cannot read ${name} in ${dir}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new RegistryError('TONLE_ERR_REGISTRY_STORE_CORRUPT', `${join(dir, name)} is not valid JSON; restore it from a backup.`, { cause });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The embedded store: three JSON files in `dir`, each replaced atomically. One process owns the directory
 * (a lock file with its pid; a lock left by a killed process is taken over). Writes inside the process are
 * serialised, so compare-and-set is exact.
 */
export async function createFileStore(options: { dir: string }): Promise<RegistryStore> {
  const { dir } = options;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await acquireLock(dir);
  // Temp files of a write interrupted by a crash are garbage: the rename never happened.
  for (const name of await readdir(dir)) if (name.endsWith('.tmp')) await unlink(join(dir, name)).catch(() => undefined);

  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  };
  let closed = false;
  const guard = (): void => {
    if (closed) throw new RegistryError('TONLE_ERR_REGISTRY_STORE_UNAVAILABLE', 'The file store is closed.');
  };

  const readStateFile = async (): Promise<StoredState | undefined> => {
    const value = await readJson<StoredState>(dir, STATE);
    if (value === undefined) return undefined;
    if (!Number.isSafeInteger(value.revision) || typeof value.state !== 'string') {
      throw new RegistryError('TONLE_ERR_REGISTRY_STORE_CORRUPT', `${join(dir, STATE)} has an unexpected shape; restore it from a backup.`);
    }
    return value;
  };

  return {
    readState: () => serial(async () => (guard(), readStateFile())),
    writeState: (expectedRevision, state) =>
      serial(async () => {
        guard();
        const current = (await readStateFile())?.revision ?? 0;
        if (current !== expectedRevision) return false;
        await writeAtomic(dir, STATE, JSON.stringify({ revision: current + 1, state }));
        return true;
      }),
    readPublished: () => serial(async () => (guard(), readJson<PublishedConfiguration>(dir, PUBLISHED))),
    publish: (conf) =>
      serial(async () => {
        guard();
        const current = await readJson<PublishedConfiguration>(dir, PUBLISHED);
        if (current !== undefined && current.version >= conf.version) return false;
        await writeAtomic(dir, PUBLISHED, JSON.stringify(conf));
        return true;
      }),
    claimRequestId: (requestId, expiresAtMs, nowMs) =>
      serial(async () => {
        guard();
        const ids = (await readJson<Record<string, number>>(dir, REQUEST_IDS)) ?? {};
        const kept: Record<string, number> = {};
        for (const [id, until] of Object.entries(ids)) if (until > nowMs) kept[id] = until;
        if (Object.hasOwn(kept, requestId)) return false;
        kept[requestId] = expiresAtMs;
        await writeAtomic(dir, REQUEST_IDS, JSON.stringify(kept));
        return true;
      }),
    close: () =>
      serial(async () => {
        if (closed) return;
        closed = true;
        await unlink(join(dir, LOCK)).catch(() => undefined);
      }),
  };
}

async function acquireLock(dir: string): Promise<void> {
  const path = join(dir, LOCK);
  try {
    await writeFile(path, String(process.pid), { flag: 'wx', mode: 0o600 });
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const holder = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
  if (Number.isSafeInteger(holder) && isAlive(holder)) {
    throw new RegistryError(
      'TONLE_ERR_REGISTRY_STORE_UNAVAILABLE',
      `${dir} is in use by registry process ${holder}; stop it, or use the Redis store to run several nodes.`,
    );
  }
  // The holder is gone (killed): take the lock over.
  await writeAtomic(dir, LOCK, String(process.pid));
}
