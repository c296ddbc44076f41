import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { ApiKeyRecord, Role } from '../state/index.ts';

export const ROLES: readonly Role[] = ['registration-officer', 'security-officer', 'system-administrator', 'observer'];

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A new API key: the secret (shown once) and the record that stores only its hash. */
export function generateApiKey(options: { name: string; roles: readonly Role[]; now: number }): { key: string; record: ApiKeyRecord } {
  const key = randomBytes(32).toString('base64url');
  return { key, record: { id: randomUUID(), name: options.name, hash: hashApiKey(key), roles: [...options.roles], createdAt: new Date(options.now).toISOString() } };
}

/** Finds the record of a presented key, comparing hashes in constant time. */
export function findApiKey(records: readonly ApiKeyRecord[], presented: string): ApiKeyRecord | undefined {
  const hash = Buffer.from(hashApiKey(presented), 'hex');
  let found: ApiKeyRecord | undefined;
  for (const record of records) if (timingSafeEqual(hash, Buffer.from(record.hash, 'hex'))) found = record;
  return found;
}

/** `Authorization: X-Road-ApiKey token=<key>` (xroad-digest §8.2). */
export function parseApiKeyHeader(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^X-Road-ApiKey\s+token=([A-Za-z0-9_\-.~+/=]{16,512})$/i.exec(header.trim());
  return match?.[1];
}
