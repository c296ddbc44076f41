import { GatewayFault, renderFault, type FaultCode } from '@tonle/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';

/**
 * Answers with a catalog fault (pr-rest 4.6: `X-Road-Error` + `{type, message, detail}`, XML when Accept
 * asks). The log line carries the same fault id as the wire `detail`, plus the internal cause's code and
 * class name, never its message (which may quote input) and never a body.
 */
export function replyFault(request: FastifyRequest, reply: FastifyReply, fault: GatewayFault, log: Logger): FastifyReply {
  const cause = fault.cause as { code?: unknown; name?: unknown } | undefined;
  log.warn(
    {
      fault: { code: fault.code, id: fault.id },
      ...(cause === undefined ? {} : { cause: { code: typeof cause.code === 'string' ? cause.code : undefined, name: typeof cause.name === 'string' ? cause.name : undefined } }),
    },
    'request refused',
  );
  const accept = request.headers.accept;
  const rendered = renderFault(fault, typeof accept === 'string' ? accept : undefined);
  return reply.code(rendered.status).headers(rendered.headers).send(rendered.body);
}

/** Shorthand for `new GatewayFault(code, message, { cause })`. */
export function fault(code: FaultCode, message?: string, cause?: unknown): GatewayFault {
  return new GatewayFault(code, message, cause === undefined ? undefined : { cause });
}

/** Whatever was thrown, as a fault of this side (unknown errors become InternalError, details only in the log). */
export function asFault(error: unknown, side: 'Server.ClientProxy' | 'Server.ServerProxy'): GatewayFault {
  if (GatewayFault.is(error)) return error;
  return new GatewayFault(`${side}.InternalError`, undefined, { cause: error });
}
