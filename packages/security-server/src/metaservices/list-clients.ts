import type { ClientId } from '@tonle/protocol';
import { fault } from '../errors/index.ts';
import type { MetaserviceAnswer } from './codes.ts';

/** The part of the global configuration `listClients` reads. */
export interface ClientDirectory {
  readonly instanceIdentifier: string;
  clients(): readonly { readonly id: ClientId; readonly name: string; readonly subsystemName?: string }[];
}

export interface ListClientsRequest {
  /** The global configuration in force (the client proxy's view; it throws OutdatedGlobalConf when expired). */
  readonly conf: ClientDirectory;
  /** The raw query string, without `?` (`xRoadInstance=XX` is optional). */
  readonly query: string | undefined;
  /** The request's Accept header(s). */
  readonly accept: string | readonly string[] | undefined;
}

/**
 * X-Road's rule (`MetadataClientRequestProcessor.acceptsJson`): JSON when any listed media type is
 * `application/json` (parameters and q-values ignored), XML otherwise.
 */
function acceptsJson(accept: string | readonly string[] | undefined): boolean {
  const values = accept === undefined ? [] : typeof accept === 'string' ? [accept] : accept;
  return values.some((value) => value.split(',').some((type) => type.split(';')[0]?.trim().toLowerCase() === 'application/json'));
}

function idJson(id: ClientId): Record<string, string> {
  // Field order as X-Road's Jackson output (pr-meta Annex C.1).
  return {
    member_class: id.memberClass,
    member_code: id.memberCode,
    ...(id.type === 'SUBSYSTEM' ? { subsystem_code: id.subsystemCode } : {}),
    object_type: id.type,
    xroad_instance: id.instance,
  };
}

const XML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

function xml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => XML_ESCAPES[ch] ?? ch);
}

function memberXml(entry: { readonly id: ClientId; readonly name: string; readonly subsystemName?: string }): string {
  const { id } = entry;
  const lines = [
    '    <ns2:member>',
    `        <ns2:id ns1:objectType="${id.type}">`,
    `            <ns1:xRoadInstance>${xml(id.instance)}</ns1:xRoadInstance>`,
    `            <ns1:memberClass>${xml(id.memberClass)}</ns1:memberClass>`,
    `            <ns1:memberCode>${xml(id.memberCode)}</ns1:memberCode>`,
    ...(id.type === 'SUBSYSTEM' ? [`            <ns1:subsystemCode>${xml(id.subsystemCode)}</ns1:subsystemCode>`] : []),
    '        </ns2:id>',
    `        <ns2:name>${xml(entry.name)}</ns2:name>`,
    ...(entry.subsystemName === undefined ? [] : [`        <ns2:subsystemName>${xml(entry.subsystemName)}</ns2:subsystemName>`]),
    '    </ns2:member>',
  ];
  return lines.join('\n');
}

/**
 * Answers `GET /listClients[?xRoadInstance=XX]` on the client proxy (pr-meta §2): every member and subsystem of
 * the instance from the global configuration, as X-Road's JSON (`{"member":[{"id":{...},"name"}]}`) when Accept
 * lists `application/json`, else as X-Road's `clientList` XML (`text/xml`). No `X-Road-Client` is needed.
 *
 * Without federation a security server holds only its own instance's configuration. X-Road answers another
 * instance with an internal error ("Invalid instance identifier"); Tonle refuses it as `Client.BadRequest`
 * naming the instance it knows, because the caller asked for something this server cannot have.
 */
export function answerListClients({ conf, query, accept }: ListClientsRequest): MetaserviceAnswer {
  // X-Road reads the first value (servlet getParameter); blank means this server's own instance.
  const asked = new URLSearchParams(query ?? '').get('xRoadInstance')?.trim();
  if (asked !== undefined && asked !== '' && asked !== conf.instanceIdentifier) {
    throw fault(
      'Client.BadRequest',
      `This security server has the global configuration of instance ${conf.instanceIdentifier} only (no federation); it cannot list the clients of ${asked.slice(0, 64)}`,
    );
  }
  const clients = conf.clients();
  if (acceptsJson(accept)) {
    const body = {
      member: clients.map((c) => ({
        id: idJson(c.id),
        name: c.name,
        ...(c.subsystemName === undefined ? {} : { subsystem_name: c.subsystemName }),
      })),
    };
    return { status: 200, reason: 'OK', headers: [['content-type', 'application/json;charset=utf-8']], body: Buffer.from(JSON.stringify(body), 'utf8') };
  }
  const document = [
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
    '<ns2:clientList xmlns:ns1="http://x-road.eu/xsd/identifiers" xmlns:ns2="http://x-road.eu/xsd/xroad.xsd">',
    ...clients.map(memberXml),
    '</ns2:clientList>',
    '',
  ].join('\n');
  return { status: 200, reason: 'OK', headers: [['content-type', 'text/xml;charset=utf-8']], body: Buffer.from(document, 'utf8') };
}
