/** Every way a configuration or an anchor can be refused. */
export type GlobalConfErrorCode =
  | 'TONLE_ERR_GCONF_MALFORMED'
  | 'TONLE_ERR_GCONF_INVALID'
  | 'TONLE_ERR_GCONF_BAD_ALGORITHM'
  | 'TONLE_ERR_GCONF_UNTRUSTED_KEY'
  | 'TONLE_ERR_GCONF_BAD_SIGNATURE'
  | 'TONLE_ERR_GCONF_WRONG_INSTANCE'
  | 'TONLE_ERR_GCONF_EXPIRED'
  | 'TONLE_ERR_GCONF_NOT_YET_VALID'
  | 'TONLE_ERR_GCONF_VERSION_ROLLBACK'
  | 'TONLE_ERR_GCONF_ANCHOR_INVALID'
  | 'TONLE_ERR_GCONF_DOWNLOAD_FAILED'
  | 'TONLE_ERR_GCONF_UNAVAILABLE';

/** One schema violation: where (`$.securityServers[0].address`) and what. */
export interface GlobalConfIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * Thrown when a configuration, an anchor or a download is refused. `code` says which check failed;
 * `issues` lists every schema violation at once for `..._INVALID` and `..._ANCHOR_INVALID`.
 *
 * @example
 * ```ts
 * try { await verifyGlobalConfiguration(jws, anchor, { clock }); }
 * catch (e) { if (e instanceof GlobalConfError && e.code === 'TONLE_ERR_GCONF_EXPIRED') retryLater(); }
 * ```
 */
export class GlobalConfError extends Error {
  override readonly name = 'GlobalConfError';
  readonly code: GlobalConfErrorCode;
  readonly issues: readonly GlobalConfIssue[];

  constructor(code: GlobalConfErrorCode, message: string, options: { issues?: readonly GlobalConfIssue[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.issues = options.issues ?? [];
  }
}

/**
 * True for a {@link GlobalConfError}, also across package copies.
 *
 * @example
 * ```ts
 * if (isGlobalConfError(e)) log.warn({ code: e.code }, 'configuration refused');
 * ```
 */
export function isGlobalConfError(value: unknown): value is GlobalConfError {
  return value instanceof GlobalConfError || (value instanceof Error && value.name === 'GlobalConfError' && typeof (value as { code?: unknown }).code === 'string');
}
