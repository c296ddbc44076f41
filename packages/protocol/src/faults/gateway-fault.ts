import { webCrypto } from '../web-platform/index.ts';
import { FAULTS, faultOrigin, type FaultCode, type FaultOrigin } from './catalog.ts';

/** The JSON body of every fault a security server produces (pr-rest 4.6). */
export interface FaultBody {
  /** The fault code, e.g. `Server.ServerProxy.AccessDenied`. */
  readonly type: string;
  readonly message: string;
  /** The fault id: a UUID that also appears in the security server's log line for this fault. */
  readonly detail: string;
}

/** Options of a fault. */
export interface GatewayFaultOptions {
  readonly cause?: unknown;
  /** A fault id to keep (when relaying a peer's fault); a fresh UUID by default. */
  readonly id?: string;
}

/**
 * A fault that travels on the wire. `id` is X-Road's `faultDetail`: the same UUID goes into the response
 * body and into the server's log, so a caller's support ticket finds the log line.
 *
 * @example
 * ```ts
 * import { GatewayFault } from '@tonle/protocol';
 * throw new GatewayFault('Server.ServerProxy.AccessDenied', 'Request is not allowed: GET /persons');
 * ```
 */
export class GatewayFault extends Error {
  override readonly name = 'GatewayFault';
  readonly code: FaultCode;
  /** The HTTP status from the catalog. */
  readonly status: number;
  readonly id: string;

  constructor(code: FaultCode, message?: string, options?: GatewayFaultOptions) {
    super(message ?? FAULTS[code].message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = FAULTS[code].status;
    this.id = options?.id ?? webCrypto.randomUUID();
  }

  /** Whose fault it is. */
  get origin(): FaultOrigin {
    return faultOrigin(this.code);
  }

  /** The wire body. */
  toBody(): FaultBody {
    return { type: this.code, message: this.message, detail: this.id };
  }

  /** True for a GatewayFault, also across two copies of this package. */
  static is(value: unknown): value is GatewayFault {
    return value instanceof Error && value.name === 'GatewayFault' && Object.hasOwn(FAULTS, (value as { code?: string }).code ?? '');
  }
}

/**
 * Turns anything thrown into a fault of the given side: a GatewayFault stays as it is, anything else
 * becomes `InternalError`, keeping the cause for the log and never leaking it on the wire.
 *
 * @example
 * ```ts
 * const fault = faultFromUnknown(new Error('boom'), 'Server.ClientProxy'); // Server.ClientProxy.InternalError
 * ```
 */
export function faultFromUnknown(error: unknown, side: 'Server.ClientProxy' | 'Server.ServerProxy'): GatewayFault {
  if (GatewayFault.is(error)) return error;
  return new GatewayFault(`${side}.InternalError`, undefined, { cause: error });
}
