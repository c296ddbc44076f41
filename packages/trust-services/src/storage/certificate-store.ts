import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REVOCATION_REASONS, type RevocationReason } from '@tonle/pki';
import { TrustServiceError } from '../errors/index.ts';
import { createFileAtomic, writeFileAtomic } from '@tonle/durable-file';

/** RFC 5280 §5.3.1 reason names a revocation can carry (the names `openssl ocsp` prints). */
export const revocationReasons: readonly RevocationReason[] = REVOCATION_REASONS.filter((r): r is RevocationReason => r !== undefined);
export type { RevocationReason };

/** The two certificate kinds of X-Road: a member's signing certificate, a security server's TLS one. */
export type CertificateProfileKind = 'sign' | 'auth';

/** One certificate the CA issued, as kept in the store. */
export interface IssuedCertificate {
  /** Serial number as lowercase hex without leading zero bytes (see {@link normalizeSerial}). */
  readonly serialNumber: string;
  readonly profile: CertificateProfileKind;
  /** `MEMBER:EE/GOV/123` or `SERVER:EE/GOV/123/ss1`. */
  readonly owner: string;
  readonly subject: string;
  readonly issuedAt: number;
  readonly notBefore: number;
  readonly notAfter: number;
  /** SHA-256 of the DER, lowercase hex (what the global configuration lists for auth certs). */
  readonly sha256: string;
  readonly certificate: Uint8Array;
  readonly revocation?: { readonly time: number; readonly reason: RevocationReason };
}

/** Where the CA keeps what it issued; the OCSP responder reads the same store. */
export interface CertificateStore {
  /** Adds a record; rejects with `STATE_CORRUPT` if the serial already exists (serials never repeat). */
  add(record: IssuedCertificate): Promise<void>;
  get(serialNumber: string): Promise<IssuedCertificate | undefined>;
  list(): Promise<IssuedCertificate[]>;
  /** Marks a certificate revoked; `CERT_NOT_FOUND` / `CERT_ALREADY_REVOKED` otherwise. */
  revoke(serialNumber: string, revocation: { time: number; reason: RevocationReason }): Promise<IssuedCertificate>;
}

const SERIAL_HEX = /^[0-9a-f]{1,40}$/;

/**
 * Canonical text form of a serial number: lowercase hex, leading zero bytes removed. Returns
 * undefined for anything that is not 1-20 bytes of hex (RFC 5280 §4.1.2.2 caps serials at 20 octets).
 */
export function normalizeSerial(hex: string): string | undefined {
  const lower = hex.toLowerCase().replace(/^(00)+(?=..)/, '');
  if (!SERIAL_HEX.test(lower) || lower.length % 2 !== 0) return undefined;
  return lower;
}

interface StoredRecord extends Omit<IssuedCertificate, 'certificate'> {
  readonly certificate: string;
}

/**
 * A store with one JSON file per certificate under `dir`, each written atomically (temp + fsync +
 * rename). The OCSP responder in another process sees a revocation as soon as the CA's write returns,
 * because every lookup reads the file.
 */
export function createFileCertificateStore(options: { dir: string }): CertificateStore {
  const { dir } = options;
  let queue: Promise<unknown> = Promise.resolve();
  // Revocations are read-modify-write: serialise them within this process.
  const exclusive = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  };

  const pathOf = (serial: string): string => {
    const canonical = normalizeSerial(serial);
    if (canonical === undefined) throw new TypeError(`Serial number '${serial}' is not 1-20 bytes of hex.`);
    return join(dir, `${canonical}.json`);
  };

  const read = async (path: string): Promise<IssuedCertificate | undefined> => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new TrustServiceError('TONLE_ERR_TRUST_STATE_CORRUPT', `Cannot read certificate record ${path}; check permissions.`, { cause: e });
    }
    return decode(text, path);
  };

  return {
    async add(record) {
      try {
        await createFileAtomic(pathOf(record.serialNumber), encode(record));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new TrustServiceError('TONLE_ERR_TRUST_STATE_CORRUPT', `Serial number ${record.serialNumber} was already issued; serials must never repeat.`);
        }
        throw e;
      }
    },
    async get(serialNumber) {
      const canonical = normalizeSerial(serialNumber);
      return canonical === undefined ? undefined : read(pathOf(canonical));
    },
    async list() {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw e;
      }
      const records: IssuedCertificate[] = [];
      for (const name of names.filter((n) => /^[0-9a-f]+\.json$/.test(n)).sort()) {
        const record = await read(join(dir, name));
        if (record !== undefined) records.push(record);
      }
      return records.sort((a, b) => a.issuedAt - b.issuedAt || a.serialNumber.localeCompare(b.serialNumber));
    },
    revoke(serialNumber, revocation) {
      return exclusive(async () => {
        const path = pathOf(serialNumber);
        const current = await read(path);
        if (current === undefined) throw new TrustServiceError('TONLE_ERR_TRUST_CERT_NOT_FOUND', `No certificate with serial ${serialNumber} was issued by this CA.`);
        if (current.revocation !== undefined) {
          throw new TrustServiceError('TONLE_ERR_TRUST_CERT_ALREADY_REVOKED', `Certificate ${serialNumber} was already revoked; revocation cannot be changed.`);
        }
        const updated: IssuedCertificate = { ...current, revocation: { time: revocation.time, reason: revocation.reason } };
        await writeFileAtomic(path, encode(updated));
        return updated;
      });
    },
  };
}

function encode(record: IssuedCertificate): string {
  const stored: StoredRecord = { ...record, certificate: Buffer.from(record.certificate).toString('base64') };
  return `${JSON.stringify(stored, null, 2)}\n`;
}

function decode(text: string, path: string): IssuedCertificate {
  const corrupt = (why: string): TrustServiceError =>
    new TrustServiceError('TONLE_ERR_TRUST_STATE_CORRUPT', `Certificate record ${path} is corrupt (${why}); restore it from a backup.`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw corrupt(`not JSON: ${(e as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null) throw corrupt('not an object');
  const r = raw as Record<string, unknown>;
  const str = (k: string): string => {
    const v = r[k];
    if (typeof v !== 'string') throw corrupt(`${k} is not a string`);
    return v;
  };
  const num = (k: string): number => {
    const v = r[k];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw corrupt(`${k} is not a number`);
    return v;
  };
  const profile = str('profile');
  if (profile !== 'sign' && profile !== 'auth') throw corrupt('profile is not sign/auth');
  const serialNumber = normalizeSerial(str('serialNumber'));
  if (serialNumber === undefined) throw corrupt('bad serialNumber');
  let revocation: IssuedCertificate['revocation'];
  if (r['revocation'] !== undefined) {
    const rev = r['revocation'] as Record<string, unknown> | null;
    const reason = rev?.['reason'];
    const time = rev?.['time'];
    if (typeof time !== 'number' || !revocationReasons.includes(reason as RevocationReason)) throw corrupt('bad revocation');
    revocation = { time, reason: reason as RevocationReason };
  }
  return Object.freeze({
    serialNumber,
    profile,
    owner: str('owner'),
    subject: str('subject'),
    issuedAt: num('issuedAt'),
    notBefore: num('notBefore'),
    notAfter: num('notAfter'),
    sha256: str('sha256'),
    certificate: new Uint8Array(Buffer.from(str('certificate'), 'base64')),
    ...(revocation === undefined ? {} : { revocation: Object.freeze(revocation) }),
  });
}
