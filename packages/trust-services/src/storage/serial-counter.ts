import { readFile } from 'node:fs/promises';
import { TrustServiceError } from '../errors/index.ts';
import { writeFileAtomic } from '@tonle/durable-file';

/** A monotonic counter whose every value is durable before it is handed out. */
export interface SerialCounter {
  /** The next serial; strictly greater than every value returned before, also across restarts. */
  next(): Promise<bigint>;
}

/**
 * A counter persisted in one small file (decimal text). Each `next()` writes the new value atomically
 * (temp + fsync + rename) before resolving, so a time-stamp token is never answered with a serial that a
 * crash could hand out again (RFC 3161 §2.4.2: serialNumber MUST be unique per TSA). Calls are
 * serialised; a failed write still consumes its value, leaving a gap rather than a repeat.
 */
export function createFileSerialCounter(options: { path: string }): SerialCounter {
  const { path } = options;
  let current: bigint | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  const load = async (): Promise<bigint> => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0n;
      throw new TrustServiceError('TONLE_ERR_TRUST_STATE_CORRUPT', `Cannot read the serial counter ${path}; check permissions.`, { cause: e });
    }
    const trimmed = text.trim();
    if (!/^[0-9]{1,40}$/.test(trimmed)) {
      throw new TrustServiceError('TONLE_ERR_TRUST_STATE_CORRUPT', `Serial counter ${path} does not hold a decimal number; restore it (never lower it).`);
    }
    return BigInt(trimmed);
  };

  return {
    next() {
      const task = async (): Promise<bigint> => {
        current ??= await load();
        current += 1n;
        const value = current;
        await writeFileAtomic(path, `${value}\n`);
        return value;
      };
      const run = queue.then(task, task);
      queue = run.catch(() => undefined);
      return run;
    },
  };
}
