import type { ServerConfState } from './types.ts';

/**
 * Where the local configuration is kept: a file (embedded default) or Redis (cluster, shared by all nodes).
 * The store holds one document; writers use compare-and-set on `version` so concurrent updates (two admin calls,
 * two nodes) never lose a write: the loser re-reads and re-applies its change.
 */
export interface ServerConfStore {
  /** The stored document, not yet validated (the caller validates), or undefined when nothing was stored. */
  read(): Promise<unknown>;
  /**
   * Replaces the document if the stored version is `expectedVersion` (0 = nothing stored yet).
   * Resolves false on a version conflict; rejects with `TONLE_ERR_SERVERCONF_STORE_FAILED` on I/O failure.
   */
  compareAndSet(expectedVersion: number, next: ServerConfState): Promise<boolean>;
  close(): Promise<void>;
}
