import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Clock } from '@tonle/protocol';
import { writeFileAtomic } from '@tonle/durable-file';
import { AdminApiError } from './errors.ts';
import { isRole, type Role } from './roles.ts';

export interface ApiKeyRecord {
  readonly id: string;
  readonly name: string;
  readonly roles: readonly Role[];
  readonly createdAt: string;
}

interface StoredKey extends ApiKeyRecord {
  /** SHA-256 hex of the key; the key itself is shown once, at creation. */
  readonly hash: string;
}

export interface ApiKeyStore {
  /** Creates a key; the returned `key` is never stored or shown again. */
  create(input: { name: string; roles: readonly Role[] }): Promise<{ key: string; record: ApiKeyRecord }>;
  /** The record for a presented key, or undefined (constant-time comparison of hashes). */
  verify(key: string): ApiKeyRecord | undefined;
  list(): readonly ApiKeyRecord[];
  revoke(id: string): Promise<void>;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * API keys with X-Road roles, stored hashed in a JSON file (xroad-digest §8.2: `Authorization:
 * X-Road-ApiKey token=<key>`).
 *
 * @example
 * ```ts
 * const apiKeys = await createFileApiKeyStore({ path: '/var/lib/tonle/api-keys.json', clock: systemClock });
 * const { key } = await apiKeys.create({ name: 'ops', roles: ['XROAD_SYSTEM_ADMINISTRATOR'] });
 * ```
 */
export async function createFileApiKeyStore({ path, clock }: { path: string; clock: Clock }): Promise<ApiKeyStore> {
  let keys: StoredKey[] = [];
  try {
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
    if (!Array.isArray(parsed) || !parsed.every((k) => typeof k?.id === 'string' && typeof k?.hash === 'string' && /^[0-9a-f]{64}$/.test(k.hash) && Array.isArray(k?.roles) && k.roles.every(isRole))) {
      throw new AdminApiError('TONLE_ERR_ADMIN_CORRUPT', 500, `${path} is not an API key file; restore it from a backup`);
    }
    keys = parsed as StoredKey[];
  } catch (e) {
    if (e instanceof AdminApiError) throw e;
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new AdminApiError('TONLE_ERR_ADMIN_CORRUPT', 500, `cannot read ${path}`, { cause: e });
  }
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };
  const strip = ({ id, name, roles, createdAt }: StoredKey): ApiKeyRecord => ({ id, name, roles, createdAt });
  return {
    create({ name, roles }) {
      if (typeof name !== 'string' || name.length === 0 || name.length > 255) return Promise.reject(new TypeError('create: name must be 1-255 characters'));
      if (!Array.isArray(roles) || roles.length === 0 || !roles.every(isRole)) return Promise.reject(new TypeError('create: roles must be a non-empty list of X-Road roles'));
      return serial(async () => {
        const key = randomBytes(32).toString('base64url');
        const stored: StoredKey = { id: randomUUID(), name, roles: [...new Set(roles)], createdAt: new Date(clock.now()).toISOString(), hash: sha256(key).toString('hex') };
        await writeFileAtomic(path, JSON.stringify([...keys, stored], null, 2));
        keys = [...keys, stored];
        return { key, record: strip(stored) };
      });
    },
    verify(key) {
      if (typeof key !== 'string' || key.length === 0 || key.length > 512) return undefined;
      const presented = sha256(key);
      let found: StoredKey | undefined;
      for (const k of keys) if (timingSafeEqual(presented, Buffer.from(k.hash, 'hex'))) found = k;
      return found === undefined ? undefined : strip(found);
    },
    list: () => keys.map(strip),
    revoke(id) {
      return serial(async () => {
        if (!keys.some((k) => k.id === id)) throw new AdminApiError('TONLE_ERR_ADMIN_NOT_FOUND', 404, `no API key ${id}`);
        const next = keys.filter((k) => k.id !== id);
        await writeFileAtomic(path, JSON.stringify(next, null, 2));
        keys = next;
      });
    },
  };
}
