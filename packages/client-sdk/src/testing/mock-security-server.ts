import { createHash, randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TLSSocket } from 'node:tls';
import {
  GatewayFault,
  IdentifierError,
  XRoadHeader,
  computeRequestHash,
  formatClientId,
  formatServiceId,
  parseClientId,
  parseSecurityServerId,
  parseServiceId,
  parseServicePath,
  renderFault,
  sameId,
  serializeRestRequestHeaderPart,
  transportedHeaders,
  type ClientId,
  type FaultCode,
  type HeaderPair,
  type ServiceId,
} from '@tonle/protocol';

/**
 * A call as the mock's service handler sees it (what a provider service would receive).
 *
 * @example
 * ```ts
 * const handler: MockHandler = async (req: MockRequest) => ({ json: { you: req.client.memberCode, got: (await req.json<{ n: number }>()).n } });
 * ```
 */
export interface MockRequest {
  readonly method: string;
  /** The path after the service code, raw: `''` or `/...`. */
  readonly path: string;
  /** The raw query without `?`, or undefined. */
  readonly query: string | undefined;
  /** Request headers, names in lower case, including the X-Road ones the security server adds. */
  readonly headers: IncomingHttpHeaders;
  readonly client: ClientId;
  readonly service: ServiceId;
  /** `X-Road-Id`: the caller's or a generated `{instance}-{uuid}`. */
  readonly id: string;
  /** `X-Road-Request-Id`: a fresh UUID. */
  readonly requestId: string;
  /** The request body as a stream; read it before returning the reply (the mock drains what is left). */
  readonly body: Readable;
  bytes(): Promise<Uint8Array>;
  text(): Promise<string>;
  json<T = unknown>(): Promise<T>;
}

/**
 * What a handler answers: status (default 200), headers, and a body (bytes, text, stream) or `json`.
 *
 * @example
 * ```ts
 * const reply: MockReply = { status: 404, headers: { 'cache-control': 'no-store' }, json: { error: 'not found' } };
 * ```
 */
export interface MockReply {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array | Readable | AsyncIterable<Uint8Array>;
  readonly json?: unknown;
}

/**
 * A provider service. Throw a `GatewayFault` from `@tonle/protocol` (re-exported here) to answer with an
 * X-Road fault; throwing anything else answers `Server.ServerProxy.ServiceFailed`, as a security server does
 * when the provider fails.
 *
 * @example
 * ```ts
 * const persons: MockHandler = (req) => (req.path === '/v1/persons/1' ? { json: { name: 'Mari' } } : { status: 404 });
 * ```
 */
export type MockHandler = (request: MockRequest) => MockReply | Promise<MockReply>;

/**
 * A service with metadata for the metaservices.
 *
 * @example
 * ```ts
 * await createMockSecurityServer({ services: { 'EE/GOV/1/population/persons': {
 *   handler: () => ({ json: {} }),
 *   endpoints: [{ method: 'GET', path: '/v1/persons/{id}' }],
 *   openapi: openApiJsonText,
 *   allowedClients: ['EE/GOV/2/benefits'],
 * } } });
 * ```
 */
export interface MockService {
  readonly handler: MockHandler;
  /** Endpoints listed by listMethods/allowedMethods. Default `[{ method: '*', path: '/**' }]`. */
  readonly endpoints?: readonly { readonly method: string; readonly path: string }[];
  /** The OpenAPI document getOpenAPI returns (service type OPENAPI); the service is type REST without it. */
  readonly openapi?: string | { readonly text: string; readonly contentType: string };
  /** Clients allowed to call; everyone by default. Others get `Server.ServerProxy.AccessDenied`. */
  readonly allowedClients?: readonly (ClientId | string)[];
}

/**
 * A member or subsystem in the mock's `listClients` answer.
 *
 * @example
 * ```ts
 * await createMockSecurityServer({ services, members: [{ id: 'EE/GOV/1/population', name: 'Population Register', subsystemName: 'Persons' }] });
 * ```
 */
export interface MockListedClient {
  readonly id: ClientId | string;
  readonly name: string;
  readonly subsystemName?: string;
}

/**
 * TLS for the mock (HTTPS like X-Road's port 8443), optionally demanding a client certificate.
 *
 * @example
 * ```ts
 * await createMockSecurityServer({ services, tls: { cert: serverCertPem, key: serverKeyPem, ca: caPem, requestCert: true } });
 * ```
 */
export interface MockTlsOptions {
  readonly cert: string | Uint8Array;
  readonly key: string | Uint8Array;
  /** CA(s) that issue accepted client certificates. */
  readonly ca?: string | Uint8Array;
  /** Demand a client certificate signed by `ca`; connections without one fail. */
  readonly requestCert?: boolean;
}

/**
 * Options of {@link createMockSecurityServer}.
 *
 * @example
 * ```ts
 * const options: MockSecurityServerOptions = { clients: ['EE/GOV/2/benefits'], services: { 'EE/GOV/1/population/persons': () => ({ json: [] }) } };
 * const ss = await createMockSecurityServer(options);
 * ```
 */
export interface MockSecurityServerOptions {
  /** Services by identifier `INSTANCE/CLASS/MEMBER/SUBSYSTEM/CODE`. */
  readonly services: Readonly<Record<string, MockHandler | MockService>>;
  /**
   * Clients registered on this security server: calls from others get `Server.ClientProxy.UnknownMember`.
   * Default: any well-formed client.
   */
  readonly clients?: readonly (ClientId | string)[];
  /** The `listClients` answer. Default: the registered clients and the providers, named by member code. */
  readonly members?: readonly MockListedClient[];
  /** Instance used for generated `X-Road-Id`s. Default: the first service's instance. */
  readonly instance?: string;
  readonly tls?: MockTlsOptions;
}

/**
 * One request the mock received (no bodies are kept).
 *
 * @example
 * ```ts
 * const last = ss.requests.at(-1);
 * expect(last?.headers['x-road-userid']).toBe('EE38001010000');
 * ```
 */
export interface MockRequestRecord {
  readonly method: string;
  readonly target: string;
  readonly headers: IncomingHttpHeaders;
  /** Subject CN of the client certificate, when TLS with a client certificate was used. */
  readonly clientCertificate: string | undefined;
}

/**
 * A running mock security server.
 *
 * @example
 * ```ts
 * const ss: MockSecurityServer = await createMockSecurityServer({ services });
 * // ... calls ...
 * expect(ss.connectionCount).toBe(1);
 * await ss.close();
 * ```
 */
export interface MockSecurityServer {
  /** `http://127.0.0.1:<port>` (or https). */
  readonly url: string;
  readonly port: number;
  /** How many TCP connections were accepted so far: keep-alive reuse keeps this low. */
  readonly connectionCount: number;
  /** Every request received, in order. */
  readonly requests: readonly MockRequestRecord[];
  close(): Promise<void>;
}

const METASERVICES = new Set(['listMethods', 'allowedMethods', 'getOpenAPI']);

function fault(code: FaultCode, message?: string): GatewayFault {
  return new GatewayFault(code, message);
}

function normaliseService(value: MockHandler | MockService): MockService {
  return typeof value === 'function' ? { handler: value } : value;
}

function toClientId(value: ClientId | string): ClientId {
  return typeof value === 'string' ? parseClientId(value, { validation: 'lenient' }) : value;
}

function last(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[value.length - 1] : value;
}

function rawHeaderPairs(req: IncomingMessage): HeaderPair[] {
  const pairs: HeaderPair[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) pairs.push([req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string]);
  return pairs;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

function sendFault(res: ServerResponse, error: GatewayFault, accept: string | undefined, extra: Record<string, string> = {}): void {
  const { status, headers, body } = renderFault(error, accept);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { ...extra, ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function sendJson(res: ServerResponse, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function describeService(id: ServiceId, service: MockService): unknown {
  return {
    member_class: id.memberClass,
    member_code: id.memberCode,
    object_type: 'SERVICE',
    service_code: id.serviceCode,
    service_type: service.openapi === undefined ? 'REST' : 'OPENAPI',
    subsystem_code: id.subsystemCode,
    xroad_instance: id.instance,
    endpoint_list: service.endpoints ?? [{ method: '*', path: '/**' }],
  };
}

function clientJson(entry: MockListedClient): unknown {
  const id = toClientId(entry.id);
  return {
    id: {
      member_class: id.memberClass,
      member_code: id.memberCode,
      object_type: id.type,
      xroad_instance: id.instance,
      ...(id.type === 'SUBSYSTEM' ? { subsystem_code: id.subsystemCode } : {}),
    },
    name: entry.name,
    ...(entry.subsystemName === undefined ? {} : { subsystem_name: entry.subsystemName }),
  };
}

/** The default listClients answer: registered clients and provider subsystems, each once, named by member code. */
function defaultMembers(clients: readonly ClientId[], providers: readonly ServiceId[]): MockListedClient[] {
  const all: ClientId[] = [...clients];
  for (const p of providers) {
    all.push({ type: 'SUBSYSTEM', instance: p.instance, memberClass: p.memberClass, memberCode: p.memberCode, subsystemCode: p.subsystemCode });
  }
  return all.filter((id, i) => all.findIndex((other) => sameId(other, id)) === i).map((id) => ({ id, name: id.memberCode }));
}

function isAllowed(service: MockService, client: ClientId): boolean {
  return service.allowedClients === undefined || service.allowedClients.some((c) => sameId(toClientId(c), client));
}

/**
 * Starts a fake of your own security server on 127.0.0.1 (a random port) that speaks X-Road REST r1:
 * checks `X-Road-Client` and the `/r1/` path, answers with the X-Road response headers (`X-Road-Id`,
 * `X-Road-Request-Id`, `X-Road-Request-Hash`, ...) and fault bodies, and serves `listClients`,
 * `listMethods`, `allowedMethods` and `getOpenAPI` from its configuration. For tests of code that uses the SDK
 * (or plain HTTP).
 *
 * @example
 * ```ts
 * import { createMockSecurityServer } from '@tonle/client-sdk/testing';
 * const ss = await createMockSecurityServer({
 *   services: { 'EE/GOV/70000001/population/persons': async (req) => ({ json: { id: req.path.slice(1) } }) },
 * });
 * const client = createClient({ securityServer: ss.url, client: 'EE/GOV/70000002/benefits' });
 * // ... test, then:
 * await client.close();
 * await ss.close();
 * ```
 */
export async function createMockSecurityServer(options: MockSecurityServerOptions): Promise<MockSecurityServer> {
  const services = new Map<string, { id: ServiceId; service: MockService }>();
  for (const [key, value] of Object.entries(options.services)) {
    const id = parseServiceId(key, { validation: 'lenient' });
    services.set(formatServiceId(id), { id, service: normaliseService(value) });
  }
  const registered = options.clients?.map(toClientId);
  const instance = options.instance ?? [...services.values()][0]?.id.instance ?? 'TEST';
  const members: readonly MockListedClient[] = options.members ?? defaultMembers(registered ?? [], [...services.values()].map(({ id }) => id));
  const requests: MockRequestRecord[] = [];
  let connectionCount = 0;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.url ?? '/';
    const accept = last(req.headers.accept);
    const peer = (req.socket as Partial<TLSSocket>).getPeerCertificate?.();
    requests.push(
      Object.freeze({
        method: req.method ?? 'GET',
        target,
        headers: { ...req.headers },
        clientCertificate: peer?.subject?.CN === undefined ? undefined : String(peer.subject.CN),
      }),
    );
    const method = req.method ?? 'GET';

    if (target === '/listClients' || target.startsWith('/listClients?')) {
      const wanted = new URLSearchParams(target.slice('/listClients'.length)).get('xRoadInstance');
      await readAll(req);
      sendJson(res, {
        member: members.filter((m) => wanted === null || toClientId(m.id).instance === wanted).map(clientJson),
      });
      return;
    }

    let parsed;
    try {
      parsed = parseServicePath(target, { validation: 'lenient' });
    } catch (error) {
      await readAll(req).catch(() => undefined);
      const versionProblem =
        IdentifierError.is(error) &&
        (error.code === 'TONLE_ERR_ID_INVALID_PROTOCOL_VERSION' || error.code === 'TONLE_ERR_ID_UNSUPPORTED_PROTOCOL_VERSION');
      sendFault(res, fault(versionProblem ? 'Client.InvalidProtocolVersion' : 'Client.InvalidServiceIdentifier'), accept);
      return;
    }

    const clientText = last(req.headers['x-road-client']);
    let client: ClientId;
    try {
      if (clientText === undefined) throw fault('Client.MissingHeaderField', 'The X-Road-Client header is missing');
      try {
        client = parseClientId(clientText, { validation: 'lenient' });
      } catch {
        throw fault('Client.InvalidClientIdentifier');
      }
      if (registered !== undefined && !registered.some((r) => sameId(r, client))) {
        throw fault('Server.ClientProxy.UnknownMember', `${formatClientId(client)} is not registered on this security server`);
      }
      const server = last(req.headers['x-road-security-server']);
      if (server !== undefined) {
        try {
          parseSecurityServerId(server, { validation: 'lenient' });
        } catch {
          throw fault('Client.InvalidSecurityServer');
        }
      }
    } catch (error) {
      await readAll(req).catch(() => undefined);
      sendFault(res, error as GatewayFault, accept);
      return;
    }

    const { service: serviceId, path, query } = parsed;
    const key = formatServiceId(serviceId);

    if (METASERVICES.has(serviceId.serviceCode) && path === '') {
      await readAll(req).catch(() => undefined);
      const provided = [...services.values()].filter(
        ({ id }) =>
          id.instance === serviceId.instance &&
          id.memberClass === serviceId.memberClass &&
          id.memberCode === serviceId.memberCode &&
          id.subsystemCode === serviceId.subsystemCode,
      );
      if (provided.length === 0) {
        sendFault(res, fault('Server.ClientProxy.UnknownService', 'No security server provides this subsystem'), accept);
        return;
      }
      if (serviceId.serviceCode === 'getOpenAPI') {
        const code = new URLSearchParams(query ?? '').get('serviceCode');
        const found = provided.find(({ id }) => id.serviceCode === code);
        if (code === null || found === undefined) {
          sendFault(res, fault('Server.ServerProxy.UnknownService', `No service ${String(code)} on this provider`), accept);
          return;
        }
        const doc = found.service.openapi;
        if (doc === undefined) {
          sendFault(res, fault('Server.ServerProxy.ServiceType', 'The service has no OpenAPI description'), accept);
          return;
        }
        const { text, contentType } = typeof doc === 'string' ? { text: doc, contentType: 'application/json' } : doc;
        res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
        res.end(text);
        return;
      }
      const listed = serviceId.serviceCode === 'allowedMethods' ? provided.filter(({ service }) => isAllowed(service, client)) : provided;
      sendJson(res, { service: listed.map(({ id, service }) => describeService(id, service)) });
      return;
    }

    const entry = services.get(key);
    const messageId = last(req.headers['x-road-id']) ?? `${instance}-${randomUUID()}`;
    const requestId = randomUUID();
    const xroadHeaders: Record<string, string> = {
      [XRoadHeader.Id]: messageId,
      [XRoadHeader.Client]: formatClientId(client),
      [XRoadHeader.Service]: key,
      [XRoadHeader.RequestId]: requestId,
    };
    if (entry === undefined || !isAllowed(entry.service, client)) {
      await readAll(req).catch(() => undefined);
      sendFault(res, entry === undefined ? fault('Server.ServerProxy.UnknownService') : fault('Server.ServerProxy.AccessDenied'), accept, xroadHeaders);
      return;
    }

    // The request hash covers the transported headers (plus the ids the security server adds) and the body.
    const bodyHash = createHash('sha512');
    let bodyBytes = 0;
    const body = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bodyHash.update(chunk);
        bodyBytes += chunk.length;
        callback(null, chunk);
      },
    });
    req.pipe(body);
    req.on('error', (error) => body.destroy(error));
    const request: MockRequest = {
      method,
      path,
      query,
      headers: { ...req.headers, 'x-road-id': messageId, 'x-road-request-id': requestId },
      client,
      service: entry.id,
      id: messageId,
      requestId,
      body,
      bytes: async () => readAll(body),
      text: async () => (await readAll(body)).toString('utf8'),
      json: async <T>() => JSON.parse((await readAll(body)).toString('utf8')) as T,
    };

    let reply: MockReply;
    try {
      reply = await entry.service.handler(request);
    } catch (error) {
      await readAll(body).catch(() => undefined);
      const failure = GatewayFault.is(error) ? error : fault('Server.ServerProxy.ServiceFailed');
      sendFault(res, failure, accept, xroadHeaders);
      return;
    }
    await readAll(body).catch(() => undefined);

    const received = rawHeaderPairs(req).filter(([name]) => name.toLowerCase() !== 'x-road-id');
    const headerPart = serializeRestRequestHeaderPart({
      method,
      path: target.split('?')[0] as string,
      query,
      headers: [...transportedHeaders(received), ['x-road-id', messageId], ['x-road-request-id', requestId]],
    });
    const sha512 = (data: Uint8Array): Uint8Array => createHash('sha512').update(data).digest();
    const requestHash = computeRequestHash(sha512, headerPart, bodyBytes > 0 ? bodyHash.digest() : undefined);

    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(reply.headers ?? {})) {
      // pr-rest 4.3: the security server overwrites any X-Road-* header the service set.
      if (!name.toLowerCase().startsWith('x-road-')) headers[name.toLowerCase()] = value;
    }
    Object.assign(headers, xroadHeaders, { [XRoadHeader.RequestHash]: requestHash });
    const status = reply.status ?? 200;
    let payload = reply.body;
    if (Object.hasOwn(reply, 'json')) {
      payload = JSON.stringify(reply.json);
      headers['content-type'] ??= 'application/json; charset=utf-8';
    }
    if (payload === undefined || typeof payload === 'string' || payload instanceof Uint8Array) {
      const bytes = payload === undefined ? Buffer.alloc(0) : Buffer.from(payload);
      res.writeHead(status, { ...headers, 'content-length': bytes.length });
      res.end(bytes);
      return;
    }
    res.writeHead(status, headers);
    await pipeline(payload instanceof Readable ? payload : Readable.from(payload), res);
  }

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch(() => {
      // A client that went away mid-answer (timeouts, aborts) is normal for a test double.
      if (!res.headersSent) sendFault(res, fault('Server.ClientProxy.InternalError'), undefined);
      else res.destroy();
    });
  };
  const tls = options.tls;
  const server: Server =
    tls === undefined
      ? createHttpServer(listener)
      : createHttpsServer(
          {
            cert: Buffer.from(tls.cert),
            key: Buffer.from(tls.key),
            ...(tls.ca === undefined ? {} : { ca: Buffer.from(tls.ca) }),
            requestCert: tls.requestCert === true,
            rejectUnauthorized: tls.requestCert === true,
          },
          listener,
        );
  server.on('connection', () => {
    connectionCount += 1;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`;
  return {
    url,
    port,
    get connectionCount() {
      return connectionCount;
    },
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
