/** The registry state as stored: opaque JSON text with a revision for compare-and-set. */
export interface StoredState {
  /** 1 for the first write, +1 for every write after it. */
  readonly revision: number;
  readonly state: string;
}

/** The signed configuration every registry node serves. */
export interface PublishedConfiguration {
  readonly version: number;
  readonly jws: string;
  /** Strong ETag (quoted) of `jws`. */
  readonly etag: string;
  readonly generatedAtMs: number;
  readonly expiresAtMs: number;
  /** The state revision it was generated from, so an unchanged state is not re-signed needlessly. */
  readonly stateRevision: number;
}

/**
 * Where the registry keeps everything (architecture §8): one file-based implementation for a single node
 * and one on Redis for several nodes. Every write is all-or-nothing, and concurrent writers are
 * serialised by compare-and-set, never by last-writer-wins.
 */
export interface RegistryStore {
  readState(): Promise<StoredState | undefined>;
  /**
   * Stores `state` as revision `expectedRevision + 1` if the stored revision is still `expectedRevision`
   * (0 = nothing stored yet). Resolves false when another writer got there first.
   */
  writeState(expectedRevision: number, state: string): Promise<boolean>;
  readPublished(): Promise<PublishedConfiguration | undefined>;
  /** Stores `conf` if its version is higher than the stored one; resolves false otherwise. */
  publish(conf: PublishedConfiguration): Promise<boolean>;
  /**
   * Remembers a management request id until `expiresAtMs`. Resolves false if it is already remembered
   * (a replay); expired ids are forgotten.
   */
  claimRequestId(requestId: string, expiresAtMs: number, nowMs: number): Promise<boolean>;
  close(): Promise<void>;
}
