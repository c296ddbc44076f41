import { XRoadHeader } from '../headers/index.ts';
import type { FaultBody, GatewayFault } from './gateway-fault.ts';

/** A rendered fault response. */
export interface RenderedFault {
  readonly status: number;
  /** `X-Road-Error` and `Content-Type`. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * Which body type a fault gets for an `Accept` header. pr-rest and X-Road's implementation: the first
 * XML type in list order wins (`text/*` counts as `text/xml`), q-values are not weighed, and anything
 * else, including no header, gives JSON.
 */
export function faultContentType(accept: string | undefined): 'application/json' | 'application/xml' | 'text/xml' {
  if (accept === undefined) return 'application/json';
  for (const item of accept.split(',')) {
    const type = (item.split(';')[0] ?? '').trim().toLowerCase();
    if (type === 'application/xml') return 'application/xml';
    if (type === 'text/xml' || type === 'text/*') return 'text/xml';
  }
  return 'application/json';
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Renders a fault as X-Road does: status from the catalog, `X-Road-Error: <code>`, and
 * `{type, message, detail}` as JSON, or `<error>` XML when `Accept` asks for XML.
 *
 * @example
 * ```ts
 * const { status, headers, body } = renderFault(new GatewayFault('Client.BadRequest'), 'application/json');
 * // status 400, headers['X-Road-Error'] === 'Client.BadRequest'
 * ```
 */
export function renderFault(fault: GatewayFault, accept?: string): RenderedFault {
  const body: FaultBody = fault.toBody();
  const type = faultContentType(accept);
  if (type === 'application/json') {
    return {
      status: fault.status,
      headers: { [XRoadHeader.Error]: fault.code, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(body),
    };
  }
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<error><type>${escapeXml(body.type)}</type><message>${escapeXml(body.message)}</message>` +
    `<detail>${escapeXml(body.detail)}</detail></error>`;
  return {
    status: fault.status,
    headers: { [XRoadHeader.Error]: fault.code, 'content-type': `${type}; charset=utf-8` },
    body: xml,
  };
}

/**
 * Reads a fault body a security server sent (JSON form). Returns undefined when the text is not one.
 *
 * @example
 * ```ts
 * parseFaultBody('{"type":"Client.BadRequest","message":"m","detail":"d"}')?.type; // 'Client.BadRequest'
 * ```
 */
export function parseFaultBody(text: string): FaultBody | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { type, message, detail } = value as Record<string, unknown>;
  if (typeof type !== 'string' || typeof message !== 'string' || typeof detail !== 'string') return undefined;
  return { type, message, detail };
}
