import { GatewayFault, renderFault, type ClientId, type FaultCode, type ServiceId } from '@tonle/protocol';
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
  // Refused while its body is still arriving: close after the answer instead of reading an unbounded body
  // off a keep-alive connection (and answering a stalled one a second time when it times out).
  if (!request.raw.complete) void reply.header('connection', 'close');
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

/** The ids of an exchange once they are known, so a refusal can be logged against them. */
export interface ExchangeIds {
  readonly xRoadId: string;
  readonly requestId: string;
  /** The client and service as formatted text (logs, records) and as parsed (operational monitoring). */
  readonly client: string;
  readonly service: string;
  readonly parsed: { readonly client: ClientId; readonly service: ServiceId };
}

const exchanges = new WeakMap<object, ExchangeIds>();

/** The ids remembered for a request, if it got that far (observers use them after the reply). */
export function rememberedExchange(request: FastifyRequest): ExchangeIds | undefined {
  return exchanges.get(request);
}

/** Remembers the ids of the exchange this request carries (after they were parsed and checked). */
export function rememberExchange(request: FastifyRequest, ids: ExchangeIds): void {
  exchanges.set(request, ids);
}

/**
 * Answers with a fault; when the exchange was identified, first appends a `refusal` record to the message
 * log (its contract: one record per request, response and refusal on each side). A failing append is
 * logged and does not change the fault the caller gets.
 */
export async function replyRefusal(
  request: FastifyRequest,
  reply: FastifyReply,
  error: GatewayFault,
  log: Logger,
  side: 'client' | 'server',
  messageLog: { append(record: { kind: 'refusal'; side: 'client' | 'server'; xRoadId: string; requestId: string; client: string; service: string; status: number; faultCode: string }): Promise<unknown> },
): Promise<FastifyReply> {
  const ids = exchanges.get(request);
  if (ids === undefined) return replyFault(request, reply, error, log);
  const exchangeLog = log.child({ xroad: { id: ids.xRoadId, requestId: ids.requestId, client: ids.client, service: ids.service } });
  try {
    await messageLog.append({ kind: 'refusal', side, ...ids, status: error.status, faultCode: error.code });
  } catch (appendError) {
    exchangeLog.error({ fault: { code: error.code, id: error.id }, cause: { code: (appendError as { code?: unknown }).code } }, 'refusal could not be logged');
  }
  return replyFault(request, reply, error, exchangeLog);
}
