export type ServerConfErrorCode =
  | 'TONLE_ERR_SERVERCONF_INVALID_IDENTIFIER'
  | 'TONLE_ERR_SERVERCONF_INVALID_URL'
  | 'TONLE_ERR_SERVERCONF_INVALID_ENDPOINT'
  | 'TONLE_ERR_SERVERCONF_INVALID_VALUE'
  | 'TONLE_ERR_SERVERCONF_DUPLICATE'
  | 'TONLE_ERR_SERVERCONF_RESERVED_SERVICE_CODE'
  | 'TONLE_ERR_SERVERCONF_NOT_FOUND'
  | 'TONLE_ERR_SERVERCONF_NOT_INITIALIZED'
  | 'TONLE_ERR_SERVERCONF_ALREADY_INITIALIZED'
  | 'TONLE_ERR_SERVERCONF_CONFLICT'
  | 'TONLE_ERR_SERVERCONF_CORRUPT'
  | 'TONLE_ERR_SERVERCONF_STORE_FAILED';

/** A rejected change to, or an unreadable copy of, the local configuration. `path` names the offending field. */
export class ServerConfError extends Error {
  readonly code: ServerConfErrorCode;
  readonly path: string | undefined;
  constructor(code: ServerConfErrorCode, message: string, options: { path?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ServerConfError';
    this.code = code;
    this.path = options.path;
  }
}
