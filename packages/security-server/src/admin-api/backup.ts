import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Clock } from '@tonle/protocol';
import { writeFileAtomic } from '@tonle/durable-file';
import { AdminApiError } from './errors.ts';

const FORMAT = 'tonle-security-server-backup/1';
const NAME = /^backup-[0-9]{8}T[0-9]{9}Z(-[0-9]+)?\.json\.gz$/;
const MAX_BACKUP_BYTES = 10 * 1024 * 1024;

export interface BackupInfo {
  readonly name: string;
  readonly size: number;
  readonly server: string;
  readonly createdAt: string;
}

interface BackupDocument {
  readonly format: typeof FORMAT;
  readonly server: string;
  readonly createdAt: string;
  readonly entries: readonly { readonly path: string; readonly data: string }[];
  /** SHA-256 hex over the canonical JSON of the other fields: detects corruption. */
  readonly sha256: string;
}

export interface BackupService {
  create(): Promise<BackupInfo>;
  list(): Promise<readonly BackupInfo[]>;
  read(name: string): Promise<Uint8Array>;
  /** Validates (format, checksum, this server) before storing; refuses corrupt or foreign files. */
  upload(bytes: Uint8Array): Promise<BackupInfo>;
  /** Replaces the backed-up files with the backup's content, then calls `onRestored`. */
  restore(name: string): Promise<BackupInfo>;
  remove(name: string): Promise<void>;
}

export interface BackupServiceOptions {
  /** Where backups are kept. */
  readonly directory: string;
  /** What is backed up: logical name -> file or directory path (e.g. `{ serverconf: '/var/lib/tonle/serverconf.json', token: '/var/lib/tonle/token' }`). */
  readonly sources: Readonly<Record<string, string>>;
  /** This server's id text; a backup of another server is refused (X-Road refuses foreign backups). */
  readonly server: () => string;
  readonly clock: Clock;
  /** Reloads in-memory state after a restore (server-conf reload, ...). */
  readonly onRestored?: () => Promise<void>;
}

function digestOf(doc: Omit<BackupDocument, 'sha256'>): string {
  return createHash('sha256').update(JSON.stringify({ format: doc.format, server: doc.server, createdAt: doc.createdAt, entries: doc.entries })).digest('hex');
}

async function walk(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true })) {
    const full = join(root, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full)));
    else if (entry.isFile() && !entry.name.endsWith('.tmp')) out.push(full);
  }
  return out;
}

/**
 * Backup and restore of the local configuration (X-Road `/backups`): one gzip'd JSON document per backup
 * holding the listed files, a SHA-256 over its content and the server it belongs to.
 *
 * @example
 * ```ts
 * const backups = createBackupService({ directory, sources: { serverconf: confPath, keys: keysPath, token: tokenDir }, server: () => 'EE:GOV:1234:ss1', clock });
 * const { name } = await backups.create();
 * ```
 */
export function createBackupService(options: BackupServiceOptions): BackupService {
  const { directory, sources, clock } = options;
  for (const name of Object.keys(sources)) if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new TypeError(`createBackupService: source name "${name}" must be lower-case kebab`);
  const pathOf = (name: string) => {
    if (typeof name !== 'string' || !NAME.test(name)) throw new AdminApiError('TONLE_ERR_ADMIN_NOT_FOUND', 404, `no backup ${String(name)}`);
    return join(directory, name);
  };

  const decode = (bytes: Uint8Array): BackupDocument => {
    let doc: BackupDocument;
    try {
      doc = JSON.parse(gunzipSync(bytes, { maxOutputLength: 8 * MAX_BACKUP_BYTES }).toString('utf8')) as BackupDocument;
    } catch (e) {
      throw new AdminApiError('TONLE_ERR_ADMIN_BACKUP_CORRUPT', 400, 'the backup is not a gzip\'d Tonle backup document', { cause: e });
    }
    if (typeof doc !== 'object' || doc === null || doc.format !== FORMAT || typeof doc.server !== 'string' || typeof doc.createdAt !== 'string' || !Array.isArray(doc.entries) || typeof doc.sha256 !== 'string') {
      throw new AdminApiError('TONLE_ERR_ADMIN_BACKUP_CORRUPT', 400, `the backup is not in format ${FORMAT}`);
    }
    for (const e of doc.entries) {
      const root = typeof e?.path === 'string' ? e.path.split('/')[0] : undefined;
      if (typeof e?.data !== 'string' || root === undefined || !(root in sources) || e.path.split('/').some((p: string) => p === '..' || p === '.' || p === '')) {
        throw new AdminApiError('TONLE_ERR_ADMIN_BACKUP_CORRUPT', 400, 'the backup holds an entry outside the backed-up configuration');
      }
    }
    if (digestOf(doc) !== doc.sha256) throw new AdminApiError('TONLE_ERR_ADMIN_BACKUP_CORRUPT', 400, 'the backup checksum does not match its content; it is damaged');
    if (doc.server !== options.server()) {
      throw new AdminApiError('TONLE_ERR_ADMIN_BACKUP_FOREIGN', 400, `the backup belongs to ${doc.server}, not to this server (${options.server()})`);
    }
    return doc;
  };
  const info = (name: string, size: number, doc: BackupDocument): BackupInfo => ({ name, size, server: doc.server, createdAt: doc.createdAt });
  const uniqueName = async (at: number) => {
    const base = `backup-${new Date(at).toISOString().replace(/[-:.]/g, '')}`;
    for (let i = 0; ; i++) {
      const name = `${base}${i === 0 ? '' : `-${i}`}.json.gz`;
      try {
        await stat(join(directory, name));
      } catch {
        return name;
      }
    }
  };

  return {
    async create() {
      const entries: { path: string; data: string }[] = [];
      for (const [name, path] of Object.entries(sources)) {
        let s;
        try {
          s = await stat(path);
        } catch {
          continue; // not created yet (e.g. no keys): nothing to back up
        }
        const files = s.isDirectory() ? await walk(path) : [path];
        for (const f of files) {
          const rel = s.isDirectory() ? `${name}/${relative(path, f).split(sep).join('/')}` : name;
          entries.push({ path: rel, data: (await readFile(f)).toString('base64') });
        }
      }
      const createdAt = new Date(clock.now()).toISOString();
      const body = { format: FORMAT, server: options.server(), createdAt, entries } as const;
      const doc: BackupDocument = { ...body, sha256: digestOf(body) };
      const bytes = gzipSync(JSON.stringify(doc));
      const name = await uniqueName(clock.now());
      await mkdir(directory, { recursive: true });
      await writeFileAtomic(join(directory, name), bytes);
      return info(name, bytes.length, doc);
    },
    async list() {
      let names: string[];
      try {
        names = (await readdir(directory)).filter((n) => NAME.test(n)).sort();
      } catch {
        return [];
      }
      const out: BackupInfo[] = [];
      for (const n of names) {
        const bytes = await readFile(join(directory, n));
        try {
          out.push(info(n, bytes.length, decode(bytes)));
        } catch {
          // a damaged or foreign file in the directory is not listed as restorable
        }
      }
      return out;
    },
    async read(name) {
      try {
        return new Uint8Array(await readFile(pathOf(name)));
      } catch (e) {
        if (e instanceof AdminApiError) throw e;
        throw new AdminApiError('TONLE_ERR_ADMIN_NOT_FOUND', 404, `no backup ${name}`);
      }
    },
    async upload(bytes) {
      if (bytes.length > MAX_BACKUP_BYTES) throw new AdminApiError('TONLE_ERR_ADMIN_BODY_TOO_LARGE', 413, 'the backup is larger than 10 MB');
      const doc = decode(bytes);
      const name = await uniqueName(Date.parse(doc.createdAt) || clock.now());
      await mkdir(directory, { recursive: true });
      await writeFileAtomic(join(directory, name), bytes);
      return info(name, bytes.length, doc);
    },
    async restore(name) {
      const bytes = await this.read(name);
      const doc = decode(bytes);
      // Directory sources are restored exactly: files the backup does not hold are removed.
      for (const [root, path] of Object.entries(sources)) {
        const inBackup = doc.entries.filter((e) => e.path === root || e.path.startsWith(`${root}/`));
        if (inBackup.length === 0) continue;
        if (inBackup.some((e) => e.path.startsWith(`${root}/`))) {
          const keep = new Set(inBackup.map((e) => join(path, ...e.path.split('/').slice(1))));
          const existing: string[] = await walk(path).catch(() => []);
          for (const e of inBackup) await writeFileAtomic(join(path, ...e.path.split('/').slice(1)), Buffer.from(e.data, 'base64'));
          for (const f of existing) if (!keep.has(f)) await rm(f, { force: true });
        } else {
          await writeFileAtomic(path, Buffer.from(inBackup[0]!.data, 'base64'));
        }
      }
      await options.onRestored?.();
      return info(name, bytes.length, doc);
    },
    async remove(name) {
      const path = pathOf(name);
      try {
        await stat(path);
      } catch {
        throw new AdminApiError('TONLE_ERR_ADMIN_NOT_FOUND', 404, `no backup ${name}`);
      }
      await rm(path);
    },
  };
}
