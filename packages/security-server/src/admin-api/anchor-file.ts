import { readFile } from 'node:fs/promises';
import { formatConfigurationAnchor, isGlobalConfError, parseConfigurationAnchor, type ConfigurationAnchor } from '@tonle/protocol';
import { writeFileAtomic } from '@tonle/durable-file';
import { AdminApiError } from './errors.ts';

/** The configuration anchor this server trusts (xroad-digest §4.1), installed at initialisation. */
export interface AnchorStore {
  current(): ConfigurationAnchor | undefined;
  /** Validates and stores the anchor; refuses another instance's anchor once one is installed. */
  install(text: string): Promise<ConfigurationAnchor>;
}

/**
 * @example
 * ```ts
 * const anchor = await createFileAnchorStore({ path: '/var/lib/tonle/anchor.json' });
 * ```
 */
export async function createFileAnchorStore({ path }: { path: string }): Promise<AnchorStore> {
  let current: ConfigurationAnchor | undefined;
  try {
    current = parseConfigurationAnchor(await readFile(path, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new AdminApiError('TONLE_ERR_ADMIN_INVALID_ANCHOR', 500, `${path} holds no valid anchor; upload it again`, { cause: e });
  }
  return {
    current: () => current,
    async install(text) {
      let anchor: ConfigurationAnchor;
      try {
        anchor = parseConfigurationAnchor(text);
      } catch (e) {
        throw new AdminApiError('TONLE_ERR_ADMIN_INVALID_ANCHOR', 400, 'the configuration anchor is invalid; export it again from the central registry', {
          cause: e,
          details: isGlobalConfError(e) ? [e.code] : [],
        });
      }
      if (current !== undefined && current.instanceIdentifier !== anchor.instanceIdentifier) {
        throw new AdminApiError('TONLE_ERR_ADMIN_INVALID_ANCHOR', 400, `this server belongs to instance ${current.instanceIdentifier}; the anchor is for ${anchor.instanceIdentifier}`);
      }
      await writeFileAtomic(path, formatConfigurationAnchor(anchor));
      current = anchor;
      return anchor;
    },
  };
}
