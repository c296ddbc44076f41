import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/** One line of the audit log. Holds who did what to which object, never keys, tokens or request bodies. */
export interface AuditEntry {
  readonly at: string;
  /** `api-key:<id>` for admin calls, `member:<CLASS/CODE>` for signed management requests, `system`. */
  readonly actor: string;
  readonly action: string;
  readonly target?: string;
  readonly outcome: 'ok' | 'refused';
  readonly code?: string;
}

export interface AuditLog {
  append(entry: AuditEntry): Promise<void>;
  close(): Promise<void>;
}

/**
 * Append-only JSON lines, one per change or refused change, each synced before the call returns.
 * Each registry node writes its own file.
 */
export async function createFileAuditLog(options: { path: string }): Promise<AuditLog> {
  await mkdir(dirname(options.path), { recursive: true, mode: 0o700 });
  const handle: FileHandle = await open(options.path, 'a', 0o600);
  let queue: Promise<unknown> = Promise.resolve();
  return {
    append(entry) {
      const line = `${JSON.stringify(entry)}\n`;
      const run = queue.then(async () => {
        await handle.write(line);
        await handle.datasync();
      });
      queue = run.catch(() => undefined);
      return run;
    },
    async close() {
      await queue;
      await handle.close();
    },
  };
}

/** An audit log that keeps entries in memory (tests, embedded tools). */
export function createMemoryAuditLog(): AuditLog & { readonly entries: readonly AuditEntry[] } {
  const entries: AuditEntry[] = [];
  return {
    entries,
    append: async (entry) => void entries.push(entry),
    close: async () => undefined,
  };
}
