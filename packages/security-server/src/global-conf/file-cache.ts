import { readFile } from 'node:fs/promises';
import type { CachedGlobalConf, GlobalConfCache } from '@tonle/protocol';
import { writeFileAtomic } from '@tonle/durable-file';

/**
 * The security server's on-disk copy of the last good configuration (atomic writes), so a restart while the
 * registry is unreachable keeps serving until the cached copy expires (architecture §9).
 * An unreadable file counts as no cache: the client then starts from the anchor.
 */
export function createFileGlobalConfCache({ path, onError }: { path: string; onError?: (error: unknown) => void }): GlobalConfCache {
  if (typeof path !== 'string' || path === '') throw new TypeError('createFileGlobalConfCache({ path }): path is required');
  return {
    async load() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') onError?.(e);
        return undefined;
      }
      try {
        const value = JSON.parse(text) as Partial<CachedGlobalConf>;
        if (typeof value.jws !== 'string' || !Array.isArray(value.trustedKeys)) throw new Error('missing jws or trustedKeys');
        return value as CachedGlobalConf;
      } catch (e) {
        onError?.(e);
        return undefined;
      }
    },
    async save(entry) {
      await writeFileAtomic(path, JSON.stringify(entry));
    },
  };
}
