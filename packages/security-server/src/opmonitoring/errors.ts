export type OpMonitoringErrorCode = 'TONLE_ERR_OPMON_INVALID_RECORD' | 'TONLE_ERR_OPMON_INVALID_QUERY' | 'TONLE_ERR_OPMON_STORE_FAILED';

export class OpMonitoringError extends Error {
  readonly code: OpMonitoringErrorCode;
  readonly details: readonly string[];
  constructor(code: OpMonitoringErrorCode, message: string, options: { cause?: unknown; details?: readonly string[] } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OpMonitoringError';
    this.code = code;
    this.details = options.details ?? [];
  }
}
