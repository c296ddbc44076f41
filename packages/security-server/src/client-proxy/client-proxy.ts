import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import {
  renderFault,
  GatewayFault,
  XRoadHeader,
  computeRequestHash,
  formatClientId,
  formatServiceId,
  isFaultCode,
  memberOf,
  normalizeFaultCode,
  parseClientId,
  parseFaultBody,
  parseSecurityServerId,
  parseServicePath,
  providerOf,
  sameId,
  transportedHeaders,
  type ClientId,
  type HeaderPair,
  type ServiceId,
} from '@tonle/protocol';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { takeBody, type MessageBody } from '../body/index.ts';
import { TrustError, type ExchangeServices, type PeerResponse } from '../proxy-services/index.ts';
import { asFault, fault, rememberExchange, replyFault, replyRefusal } from '../errors/index.ts';
import {
  PeerError,
  TRANSPORT_CONTENT_TYPE,
  TransportCheckError,
  checkBodyDigest,
  openHead,
  outgoingFrame,
  readFrame,
  sealRequestHead,
  sha512,
  type OpenedHead,
  type ResponseDescriptor,
} from '../transport/index.ts';
import { firstHeader, headerPairs, lastHeader, toOutgoingHeaders, withoutHeaders } from './headers.ts';
import { authenticateInformationSystem, isConnection } from './is-authentication.ts';
import { answerListClients } from '../metaservices/index.ts';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE'];

interface Identified {
  readonly client: ClientId;
  readonly service: ServiceId;
  readonly target: string;
}

/** Step 1 (xroad-digest 2.6): parse the r1 path and X-Road-Client; never trust anything unparsed. */
function identify(rawUrl: string, pairs: readonly HeaderPair[]): Identified {
  if (!rawUrl.startsWith('/r1/')) {
    throw fault(/^\/r\d+\//.test(rawUrl) ? 'Client.InvalidProtocolVersion' : 'Client.BadRequest', 'The path must be /r1/{instance}/{class}/{member}/{subsystem}/{serviceCode}[/path][?query]');
  }
  let service: ServiceId;
  try {
    service = parseServicePath(rawUrl, { validation: 'lenient' }).service;
  } catch (error) {
    throw fault('Client.InvalidServiceIdentifier', undefined, error);
  }
  const clientText = lastHeader(pairs, XRoadHeader.Client);
  if (clientText === undefined) throw fault('Client.MissingHeaderField', `The ${XRoadHeader.Client} header is required`);
  let client: ClientId;
  try {
    client = parseClientId(clientText.trim(), { validation: 'lenient' });
  } catch (error) {
    throw fault('Client.InvalidClientIdentifier', undefined, error);
  }
  return { client, service, target: rawUrl };
}

/** A fault answer is small; anything longer is cut off and not a valid fault. */
const MAX_FAULT_BYTES = 64 * 1024;

async function readFaultText(res: PeerResponse): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_FAULT_BYTES) break;
      chunks.push(chunk);
    }
  } catch {
    return '';
  } finally {
    if (!res.body.readableEnded) res.body.destroy();
  }
  return size > MAX_FAULT_BYTES ? '' : Buffer.concat(chunks).toString('utf8');
}

async function relayPeerFault(res: PeerResponse): Promise<GatewayFault> {
  const header = res.headers[XRoadHeader.Error.toLowerCase()];
  const body = parseFaultBody(await readFaultText(res));
  const code = typeof header === 'string' && body !== undefined ? normalizeFaultCode(body.type) : undefined;
  // Only the provider side's own faults are relayed as such; anything else is a protocol violation.
  if (code !== undefined && isFaultCode(code) && code.startsWith('Server.ServerProxy.') && body !== undefined) {
    return new GatewayFault(code, body.message.slice(0, 1000), { id: /^[0-9a-f-]{36}$/i.test(body.detail) ? body.detail : randomUUID() });
  }
  return fault('Server.ClientProxy.InvalidResponse', `The provider's security server answered with HTTP ${res.status} and no valid fault`);
}

/**
 * The consumer-side proxy (architecture §3 steps 1-6): information systems call it with X-Road REST r1;
 * it signs, logs and forwards over Tonle transport v1, then verifies, checks and logs the answer.
 */
export function buildClientProxy(services: ExchangeServices): FastifyInstance {
  const log = services.log.child({ module: 'client-proxy' });
  const requestTimeout = services.limits.clientRequestTimeoutMs ?? 60_000;
  const app = Fastify({
    logger: false,
    bodyLimit: services.limits.clientBodyBytes,
    // Slow clients (a trickled body, or headers never finished) must not hold a connection and its
    // buffers for ever: Node ends the request after this and we answer with a catalog fault.
    requestTimeout,
    // Node checks request timeouts every connectionsCheckingInterval (30 s by default): check often enough.
    serverFactory: (handler) => createServer({ requestTimeout, connectionsCheckingInterval: Math.max(250, Math.min(5_000, requestTimeout / 2)) }, handler),
    clientErrorHandler: (error: NodeJS.ErrnoException, socket) => {
      const timedOut = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
      const f = fault(timedOut ? 'Client.RequestTimeout' : 'Client.BadRequest', timedOut ? 'The request was not received in time' : 'The request cannot be parsed as HTTP/1.1');
      log.info({ err: { code: error.code }, fault: { code: f.code, id: f.id } }, 'connection-level refusal');
      if (socket.writable) {
        const rendered = renderFault(f);
        const head = [`HTTP/1.1 ${rendered.status} ${timedOut ? 'Request Timeout' : 'Bad Request'}`, 'Connection: close', `Content-Length: ${Buffer.byteLength(rendered.body)}`];
        for (const [name, value] of Object.entries(rendered.headers)) head.push(`${name}: ${value}`);
        socket.end(`${head.join('\r\n')}\r\n\r\n${rendered.body}`);
      } else {
        socket.destroy();
      }
    },
    routerOptions: { maxParamLength: 8192 },
    return503OnClosing: true,
    frameworkErrors: (error, request, reply) => {
      replyFault(request, reply, fault('Client.BadRequest', 'The request cannot be parsed as HTTP/1.1 with a valid URL', error), log);
    },
  });
  app.removeAllContentTypeParsers();
  // The handler reads the body from the socket itself once the request passed its checks (streamed,
  // hashed, spooled when large); refused requests never have their bodies read into memory.
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));

  app.setErrorHandler((error: Error & { code?: string; statusCode?: number }, request, reply) => {
    let f: GatewayFault;
    if (GatewayFault.is(error)) f = error;
    else if (typeof error.statusCode === 'number' && error.statusCode < 500) f = fault('Client.BadRequest', undefined, error);
    else f = asFault(error, 'Server.ClientProxy');
    return replyRefusal(request, reply, f, log, 'client', services.messageLog);
  });

  // Health for load balancers (xroad-digest 2.10): 200 while exchange is possible, 503 with the reason when not.
  app.get('/health', (_request, reply) => {
    try {
      services.globalConf.current('client');
    } catch (error) {
      const code = GatewayFault.is(error) ? error.code : 'Server.ClientProxy.InternalError';
      return reply.code(503).send({ status: 'unavailable', reason: code });
    }
    return reply.code(200).send({ status: 'ok' });
  });
  // listClients (pr-meta §2): answered here from the global configuration; no X-Road-Client needed.
  app.get('/listClients', (request, reply) => {
    const url = request.raw.url ?? '';
    const answer = answerListClients({ conf: services.globalConf.current('client'), query: url.includes('?') ? url.slice(url.indexOf('?') + 1) : undefined, accept: request.headers.accept });
    return reply.code(answer.status).headers(Object.fromEntries(answer.headers)).send(answer.body);
  });
  app.route({ method: METHODS, url: '*', handler: (request, reply) => handle(services, log, request, reply) });
  return app;
}

async function handle(services: ExchangeServices, baseLog: ExchangeServices['log'], request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const pairs = headerPairs(request.raw.rawHeaders);
  const id = identify(request.raw.url ?? '', pairs);
  // Fail closed: no exchange on an expired or missing configuration (architecture §9).
  const conf = services.globalConf.current('client');
  const hosted = services.serverConf.current().client(id.client);
  if (hosted === undefined || hosted.status !== 'REGISTERED') {
    throw fault(
      'Server.ClientProxy.UnknownMember',
      `Client ${formatClientId(id.client)} is not registered on this security server; an information system must call its OWN security server`,
    );
  }
  authenticateInformationSystem(hosted, isConnection(request.raw.socket));

  const givenId = lastHeader(pairs, XRoadHeader.Id);
  if (givenId !== undefined && (givenId.length === 0 || givenId.length > 255)) throw fault('Client.BadRequest', `${XRoadHeader.Id} must be 1-255 characters`);
  const messageId = givenId ?? `${services.serverId.instance}-${randomUUID()}`;
  const requestId = randomUUID();
  const clientText = formatClientId(id.client);
  const serviceText = formatServiceId(id.service);
  // The exchange's own log line is at debug: the child (with its redaction pass) only when it is written.
  const log = baseLog.isLevelEnabled('debug') ? baseLog.child({ xroad: { id: messageId, requestId, client: clientText, service: serviceText } }) : baseLog;
  rememberExchange(request, { xRoadId: messageId, requestId, client: clientText, service: serviceText, parsed: id });

  let candidates = conf.serversHosting(providerOf(id.service));
  const forced = lastHeader(pairs, XRoadHeader.SecurityServer);
  if (forced !== undefined) {
    let target;
    try {
      target = parseSecurityServerId(forced.trim(), { validation: 'lenient' });
    } catch (error) {
      throw fault('Client.InvalidSecurityServer', undefined, error);
    }
    candidates = candidates.filter((c) => sameId(c.id, target));
  }
  if (candidates.length === 0) throw fault('Server.ClientProxy.UnknownService', `No security server in the global configuration hosts ${serviceText}`);
  const available = candidates.filter((c) => !c.maintenance);
  if (available.length === 0) throw fault('Server.ClientProxy.MaintenanceMode');

  // Headers that travel: hop-by-hop and origin headers stripped, incoming Request-Id/Hash dropped; one
  // X-Road-Client (the last one, as parsed), the message id, and our fresh request id.
  const headers: HeaderPair[] = [
    ...withoutHeaders(transportedHeaders(pairs), [XRoadHeader.Client, XRoadHeader.Id]),
    [XRoadHeader.Client, clientText],
    [XRoadHeader.Id, messageId],
    [XRoadHeader.RequestId, requestId],
  ];
  const maxBytes = services.limits.clientBodyBytes;
  if (Number(request.headers['content-length'] ?? 0) > maxBytes) {
    void reply.header('connection', 'close');
    throw fault('Client.RequestTooLarge', `The body exceeds ${maxBytes} bytes`);
  }
  const body = await takeBody(services.spool, request.raw.iterator({ destroyOnReturn: false }), {
    maxBytes,
    faults: {
      tooLarge: () => fault('Client.RequestTooLarge', `The body exceeds ${maxBytes} bytes`),
      broken: (error) => fault('Client.BadRequest', 'The request body broke off before its end', error),
      internal: (error) => fault('Server.ClientProxy.InternalError', undefined, error),
    },
    onTaken: (taken) => releaseOnClose(reply, taken),
  }).catch((error: unknown) => {
    // The rest of the body is not read: close the connection after the answer.
    void reply.header('connection', 'close');
    throw error;
  });

  let sealed;
  let ocsp: readonly Uint8Array[];
  try {
    ocsp = await services.stapledOcsp();
    sealed = await sealRequestHead({
      signer: services.signer, ocsp, headers, bodySha512: body.sha512, messageId, requestId, client: clientText, service: serviceText,
      method: request.method, target: id.target, signedAt: services.clock.now(),
    });
  } catch (error) {
    throw GatewayFault.is(error) ? error : fault('Server.ClientProxy.CannotCreateSignature', undefined, error);
  }
  await services.messageLog.append({
    kind: 'request', side: 'client', xRoadId: messageId, requestId, client: clientText, service: serviceText,
    headerPart: Buffer.from(sealed.headerPart).toString('utf8'), jws: sealed.jws, signedBy: 'self',
    ...(sealed.proof === undefined ? {} : { batchProof: sealed.proof }),
    certificateChain: services.signer.certificateChain, ocspResponses: ocsp, body: body.forLog,
  });

  let res: PeerResponse;
  try {
    res = await services.peers.send(available, outgoingFrame(sealed.head, body), {});
  } catch (error) {
    if (error instanceof PeerError && error.kind === 'timeout') throw fault('Server.ClientProxy.Timeout', undefined, error);
    throw fault('Server.ClientProxy.NetworkError', undefined, error);
  }
  const contentType = res.headers['content-type'];
  if (res.status !== 200 || contentType !== TRANSPORT_CONTENT_TYPE) throw await relayPeerFault(res);

  const { opened, responseBody } = await verifyResponse(services, res, id.service, reply);
  checkConsistency(opened, { messageId, requestId, clientText, serviceText, headerPart: sealed.headerPart, body });

  await services.messageLog.append({
    kind: 'response', side: 'client', xRoadId: messageId, requestId, client: clientText, service: serviceText,
    status: opened.descriptor.status, headerPart: Buffer.from(opened.headerPart).toString('utf8'), jws: opened.jws,
    signedBy: 'peer', ...(opened.proof === undefined ? {} : { batchProof: opened.proof }),
    certificateChain: opened.chain, ocspResponses: opened.ocsp, body: responseBody.forLog,
  });
  // Every exchange is counted in /metrics and operational monitoring; a log line each is for debugging.
  log.debug({ status: opened.descriptor.status, peer: res.peer.address, size: responseBody.size }, 'exchange done');
  const out = toOutgoingHeaders(opened.headers);
  if (responseBody.bytes !== undefined) return reply.code(opened.descriptor.status).headers(out).send(responseBody.bytes);
  return reply.code(opened.descriptor.status).headers(out).header('content-length', responseBody.size).send(responseBody.open());
}

/** A spooled body's file goes when the answer is finished or the connection is gone, whichever comes first. */
function releaseOnClose(reply: FastifyReply, body: MessageBody): void {
  if (body.bytes === undefined) reply.raw.once('close', () => void body.release());
}

/**
 * The provider's answer: signature, header digest, signer trust and identity from the frame's head, then
 * the body, hashed as it arrives and held (in memory or spooled) until it matches the signed digest.
 * Nothing reaches the consumer before all of it passed.
 */
async function verifyResponse(
  services: ExchangeServices,
  res: PeerResponse,
  service: ServiceId,
  reply: FastifyReply,
): Promise<{ opened: OpenedHead<ResponseDescriptor>; responseBody: MessageBody }> {
  let opened: OpenedHead<ResponseDescriptor>;
  let rest: AsyncIterable<Uint8Array>;
  try {
    const frame = await readFrame(res.body);
    rest = frame.body;
    opened = openHead(frame.envelope, 'response');
  } catch (error) {
    res.body.destroy();
    if (error instanceof TransportCheckError && error.reason !== 'malformed') throw fault('Server.ClientProxy.InvalidSignatureValue', undefined, error);
    throw fault('Server.ClientProxy.InvalidResponse', undefined, error);
  }
  try {
    await checkSigner(services, opened, service);
  } catch (error) {
    res.body.destroy();
    throw error;
  }
  const responseBody = await takeBody(services.spool, rest, {
    maxBytes: services.limits.clientBodyBytes,
    faults: {
      tooLarge: () => fault('Server.ClientProxy.InvalidResponse', `The response body exceeds ${services.limits.clientBodyBytes} bytes`),
      broken: (error) => fault('Server.ClientProxy.NetworkError', "The provider's security server broke off its answer", error),
      internal: (error) => fault('Server.ClientProxy.InternalError', undefined, error),
    },
    onTaken: (taken) => releaseOnClose(reply, taken),
  });
  try {
    checkBodyDigest(opened.descriptor, responseBody.sha512);
  } catch (error) {
    throw fault('Server.ClientProxy.InvalidSignatureValue', undefined, error);
  }
  return { opened, responseBody };
}

/** Signer trust (approved CA, OCSP good and fresh) and identity (xroad-digest 3.5 verifySignerName). */
async function checkSigner(services: ExchangeServices, opened: OpenedHead<ResponseDescriptor>, service: ServiceId): Promise<void> {
  let signer;
  try {
    signer = await services.trust.verifySigner({ chain: opened.chain, ocsp: opened.ocsp, at: services.clock.now(), side: 'client' });
  } catch (error) {
    if (error instanceof TrustError && error.code === 'TONLE_ERR_TRUST_OCSP') throw fault('Server.ClientProxy.IncorrectValidationInfo', undefined, error);
    throw fault('Server.ClientProxy.CertValidation', undefined, error);
  }
  // The response must be signed by the service's member.
  if (!sameId(signer, memberOf(service))) throw fault('Server.ClientProxy.CertValidation', "The response is not signed by the service provider's member");
}

/** xroad-digest 2.5: ids echo the request and the request hash is the one we compute ourselves. */
function checkConsistency(
  opened: OpenedHead<ResponseDescriptor>,
  expected: { messageId: string; requestId: string; clientText: string; serviceText: string; headerPart: Uint8Array; body: MessageBody },
): void {
  const d = opened.descriptor;
  const requestHash = computeRequestHash(sha512, expected.headerPart, expected.body.size > 0 ? expected.body.sha512 : undefined);
  const h = (name: string) => firstHeader(opened.headers, name);
  const ok =
    d.messageId === expected.messageId && d.requestId === expected.requestId && d.client === expected.clientText &&
    d.service === expected.serviceText && d.requestHash === requestHash &&
    h(XRoadHeader.Id) === expected.messageId && h(XRoadHeader.RequestId) === expected.requestId &&
    h(XRoadHeader.Client) === expected.clientText && h(XRoadHeader.Service) === expected.serviceText &&
    h(XRoadHeader.RequestHash) === requestHash;
  if (!ok) throw fault('Server.ClientProxy.InconsistentResponse');
}
