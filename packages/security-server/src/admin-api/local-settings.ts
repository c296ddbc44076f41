import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@tonle/durable-file';
import { AdminApiError } from './errors.ts';

export interface TimestampingServiceSetting {
  readonly name: string;
  readonly url: string;
}

/** Settings of this server that are neither server-conf nor keys: the time-stamping services in use, in priority order. */
export interface LocalSettings {
  timestampingServices(): readonly TimestampingServiceSetting[];
  addTimestampingService(tsa: TimestampingServiceSetting): Promise<void>;
  removeTimestampingService(name: string): Promise<void>;
}

interface SettingsFile {
  readonly timestampingServices: readonly TimestampingServiceSetting[];
}

/**
 * File-backed local settings (atomic writes).
 *
 * @example
 * ```ts
 * const settings = await createFileLocalSettings({ path: '/var/lib/tonle/settings.json' });
 * ```
 */
export async function createFileLocalSettings({ path }: { path: string }): Promise<LocalSettings> {
  let state: SettingsFile = { timestampingServices: [] };
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as SettingsFile;
    if (!Array.isArray(parsed?.timestampingServices)) throw new AdminApiError('TONLE_ERR_ADMIN_CORRUPT', 500, `${path} is not a settings file`);
    state = parsed;
  } catch (e) {
    if (e instanceof AdminApiError) throw e;
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new AdminApiError('TONLE_ERR_ADMIN_CORRUPT', 500, `cannot read ${path}`, { cause: e });
  }
  const save = async (next: SettingsFile) => {
    await writeFileAtomic(path, JSON.stringify(next, null, 2));
    state = next;
  };
  return {
    timestampingServices: () => state.timestampingServices,
    async addTimestampingService(tsa) {
      if (state.timestampingServices.some((t) => t.name === tsa.name || t.url === tsa.url)) {
        throw new AdminApiError('TONLE_ERR_ADMIN_CONFLICT', 409, `time-stamping service ${tsa.name} is already configured`);
      }
      await save({ timestampingServices: [...state.timestampingServices, { name: tsa.name, url: tsa.url }] });
    },
    async removeTimestampingService(name) {
      if (!state.timestampingServices.some((t) => t.name === name)) throw new AdminApiError('TONLE_ERR_ADMIN_NOT_FOUND', 404, `no time-stamping service ${name}`);
      await save({ timestampingServices: state.timestampingServices.filter((t) => t.name !== name) });
    },
  };
}
