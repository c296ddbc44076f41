import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ServerConfError } from './errors.ts';
import type { ServerConfStore } from './store.ts';

/**
 * Writes `data` to `path` so that a crash leaves either the old or the new file, never a torn one:
 * temp file in the same directory, fsync, rename over the target, fsync the directory.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  // Make the rename itself durable (POSIX: the directory entry lives in the directory).
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}

function storeFailed(action: string, path: string, cause: unknown): ServerConfError {
  return new ServerConfError(
    'TONLE_ERR_SERVERCONF_STORE_FAILED',
    `Could not ${action} the server configuration at ${path}; check the path and its permissions.`,
    { cause },
  );
}

/**
 * The embedded store: one JSON file. Compare-and-set is serialised inside this process (one node owns the
 * file in embedded mode; clusters use the Redis store).
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
      const run = tail.then(async () => {
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
      });
      tail = run.catch(() => undefined);
      return run;
    },
    async close() {
      await tail;
    },
  };
}
