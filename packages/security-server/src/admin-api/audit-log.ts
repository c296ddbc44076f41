import { open, mkdir, readFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AdminApiError } from './errors.ts';

/** One audit record. Never holds secrets: the caller passes only identifiers and non-secret fields. */
export interface AuditRecord {
  /** ISO 8601 UTC. */
  readonly at: string;
  /** `api-key:<id>` or `anonymous`. */
  readonly actor: string;
  readonly action: string;
  readonly target?: string;
  /** `attempt` is written before a change is applied, the other outcomes after it. */
  readonly outcome: 'attempt' | 'success' | 'failure' | 'refused';
  /** HTTP status of the answer (absent on `attempt`). */
  readonly status?: number;
  readonly code?: string;
  readonly data?: Readonly<Record<string, string | number | boolean>>;
}

export interface AuditLog {
  /** Appends one line and fsyncs before resolving (append-only: the file is opened with O_APPEND). */
  append(record: AuditRecord): Promise<void>;
  read(): Promise<readonly AuditRecord[]>;
  close(): Promise<void>;
}

/**
 * An append-only JSON-lines audit log of every change made through the admin API (X-Road's audit log,
 * ug-ss §"Audit Log"). Records are written one `write` each with fsync, serialised.
 *
 * @example
 * ```ts
 * const audit = await createFileAuditLog({ path: '/var/lib/tonle/admin-audit.jsonl' });
 * ```
 */
export async function createFileAuditLog({ path }: { path: string }): Promise<AuditLog> {
  await mkdir(dirname(path), { recursive: true });
  let handle: FileHandle | undefined = await open(path, 'a', 0o600);
  let queue: Promise<unknown> = Promise.resolve();
  return {
    append(record) {
      const line = `${JSON.stringify(record)}\n`;
      const run = queue.then(async () => {
        if (handle === undefined) throw new AdminApiError('TONLE_ERR_ADMIN_AUDIT_FAILED', 500, 'the audit log is closed');
        await handle.write(line);
        await handle.sync();
      });
      queue = run.catch(() => undefined);
      return run.catch((e: unknown) => {
        throw e instanceof AdminApiError ? e : new AdminApiError('TONLE_ERR_ADMIN_AUDIT_FAILED', 500, 'cannot write the audit log; check the disk', { cause: e });
      });
    },
    async read() {
      const text = await readFile(path, 'utf8');
      return text
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as AuditRecord);
    },
    async close() {
      await queue;
      const h = handle;
      handle = undefined;
      await h?.close();
    },
  };
}
