import { writeFileAtomic } from '@tonle/durable-file';
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ServerConfError } from './errors.ts';
import type { ServerConfStore } from './store.ts';


function storeFailed(action: string, path: string, cause: unknown): ServerConfError {
  return new ServerConfError(
    'TONLE_ERR_SERVERCONF_STORE_FAILED',
    `Could not ${action} the server configuration at ${path}; check the path and its permissions.`,
    { cause },
  );
}

const LOCK_WAIT_MS = 10;
const LOCK_TIMEOUT_ATTEMPTS = 1500; // ~15 s of waiting for another writer

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `<path>.lock` (O_EXCL create holding our pid) so that writers in other processes (a CLI, a second server
 * process) serialise with us. A lock left by a dead process is removed.
 */
async function withFileLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${path}.lock`;
  await mkdir(dirname(path), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await open(lock, 'wx', 0o600);
      try {
        await fh.writeFile(String(process.pid));
      } finally {
        await fh.close();
      }
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw storeFailed('lock', path, e);
      const holder = Number.parseInt(await readFile(lock, 'utf8').catch(() => ''), 10);
      // An empty lock file is one being written right now; only a named, dead holder is stale.
      if (Number.isSafeInteger(holder) && holder > 0 && holder !== process.pid && !isAlive(holder)) {
        await unlink(lock).catch(() => undefined);
        continue;
      }
      if (attempt >= LOCK_TIMEOUT_ATTEMPTS) {
        throw new ServerConfError(
          'TONLE_ERR_SERVERCONF_STORE_FAILED',
          `The server configuration at ${path} stays locked by process ${Number.isNaN(holder) ? '?' : holder}; if no such process runs, delete ${lock}.`,
        );
      }
      await new Promise((r) => setTimeout(r, LOCK_WAIT_MS));
    }
  }
  try {
    return await fn();
  } finally {
    await unlink(lock).catch(() => undefined);
  }
}

/**
 * The embedded store: one JSON file. Compare-and-set is serialised inside this process and, through a lock file,
 * with other processes writing the same file (clusters use the Redis store).
 */
export function createFileServerConfStore({ path }: { path: string }): ServerConfStore {
  if (typeof path !== 'string' || path === '') throw new TypeError('createFileServerConfStore({ path }): path is required');
  let tail: Promise<unknown> = Promise.resolve();

  async function readDoc(): Promise<unknown> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw storeFailed('read', path, e);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      throw new ServerConfError(
        'TONLE_ERR_SERVERCONF_CORRUPT',
        `The server configuration at ${path} is not valid JSON; restore it from a backup.`,
        { cause: e },
      );
    }
  }

  return {
    read: readDoc,
    compareAndSet(expectedVersion, next) {
      const run = tail.then(() =>
        withFileLock(path, async () => {
          const current = await readDoc();
          const currentVersion =
            typeof current === 'object' && current !== null ? Number((current as { version?: unknown }).version) : 0;
          if (currentVersion !== expectedVersion) return false;
          try {
            await writeFileAtomic(path, `${JSON.stringify(next, null, 2)}\n`);
          } catch (e) {
            throw storeFailed('write', path, e);
          }
          return true;
        }),
      );
      tail = run.catch(() => undefined);
      return run;
    },
    async close() {
      await tail;
    },
  };
}
