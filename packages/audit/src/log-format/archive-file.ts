import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { AuditError } from '../errors.ts';

export const SEGMENT_EXTENSION = '.tlog';
export const ARCHIVE_EXTENSION = '.tla';

/** Encrypted archives: magic | 12-byte IV | AES-256-GCM ciphertext | 16-byte tag. The magic is the AAD. */
const MAGIC = Buffer.from('TONLE-ARCHIVE-AES256GCM-1\n', 'utf8');

export function isEncryptedArchive(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && Buffer.from(bytes.subarray(0, MAGIC.length)).equals(MAGIC);
}

/** Encrypts archive content at rest when a key is given; otherwise returns it unchanged. */
export function sealArchive(plain: Uint8Array, key?: Uint8Array): Uint8Array {
  if (key === undefined) return plain;
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(MAGIC);
  const body = Buffer.concat([c.update(plain), c.final()]);
  return Buffer.concat([MAGIC, iv, body, c.getAuthTag()]);
}

/** Returns the frames of an archive file, decrypting (and authenticating) it when it is encrypted. */
export function openArchive(bytes: Uint8Array, key?: Uint8Array): Uint8Array {
  if (!isEncryptedArchive(bytes)) return bytes;
  if (key === undefined) {
    throw new AuditError('TONLE_ERR_AUDIT_KEY_INVALID', 'archive is encrypted: pass the archive key file (--key-file)');
  }
  if (bytes.length < MAGIC.length + 12 + 16) throw new AuditError('TONLE_ERR_AUDIT_ARCHIVE_INVALID', 'encrypted archive is truncated');
  const iv = bytes.subarray(MAGIC.length, MAGIC.length + 12);
  const tag = bytes.subarray(bytes.length - 16);
  const d = createDecipheriv('aes-256-gcm', key, iv);
  d.setAAD(MAGIC);
  d.setAuthTag(tag);
  try {
    return Buffer.concat([d.update(bytes.subarray(MAGIC.length + 12, bytes.length - 16)), d.final()]);
  } catch (cause) {
    throw new AuditError('TONLE_ERR_AUDIT_ARCHIVE_INVALID', 'encrypted archive failed authentication: modified, truncated or wrong key', { cause });
  }
}

/** Reads a 256-bit key from a file: 32 raw bytes, 64 hex characters or base64 of 32 bytes. */
export async function loadArchiveKey(path: string): Promise<Uint8Array> {
  const raw = await readFile(path);
  if (raw.length === 32) return raw;
  const text = raw.toString('utf8').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  const b64 = Buffer.from(text, 'base64');
  if (b64.length === 32 && /^[A-Za-z0-9+/]+=*$/.test(text)) return b64;
  throw new AuditError('TONLE_ERR_AUDIT_KEY_INVALID', `key file ${path} must hold 32 raw bytes, 64 hex characters or base64 of 32 bytes`);
}
