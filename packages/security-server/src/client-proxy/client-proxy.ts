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
import { TrustError, type ExchangeServices, type PeerResponse } from '../proxy-services/index.ts';
import { asFault, fault, rememberExchange, replyFault, replyRefusal } from '../errors/index.ts';
import {
  TRANSPORT_CONTENT_TYPE,
  TransportCheckError,
  openMessage,
  sealRequest,
  sha512,
  type OpenedMessage,
  type ResponseDescriptor,
} from '../transport/index.ts';
import { PeerError } from '../transport/index.ts';
import { firstHeader, headerPairs, lastHeader, toOutgoingHeaders, withoutHeaders } from './headers.ts';
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

function relayPeerFault(res: PeerResponse): GatewayFault {
  const header = res.headers[XRoadHeader.Error.toLowerCase()];
  const body = parseFaultBody(res.body.toString('utf8'));
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
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.setErrorHandler((error: Error & { code?: string; statusCode?: number }, request, reply) => {
    let f: GatewayFault;
    if (GatewayFault.is(error)) f = error;
    else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') f = fault('Client.RequestTooLarge', `The body exceeds ${services.limits.clientBodyBytes} bytes`);
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
  if (hosted.isAuthentication !== 'NOSSL') {
    // This listener is plain HTTP; a client that requires HTTPS (with a certificate) cannot be served here.
    throw fault('Server.ClientProxy.SslAuthenticationFailed', `Client ${formatClientId(id.client)} must connect over HTTPS`);
  }

  const givenId = lastHeader(pairs, XRoadHeader.Id);
  if (givenId !== undefined && (givenId.length === 0 || givenId.length > 255)) throw fault('Client.BadRequest', `${XRoadHeader.Id} must be 1-255 characters`);
  const messageId = givenId ?? `${services.serverId.instance}-${randomUUID()}`;
  const requestId = randomUUID();
  const clientText = formatClientId(id.client);
  const serviceText = formatServiceId(id.service);
  const log = baseLog.child({ xroad: { id: messageId, requestId, client: clientText, service: serviceText } });
  rememberExchange(request, { xRoadId: messageId, requestId, client: clientText, service: serviceText });

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
  const body = request.body instanceof Buffer ? request.body : Buffer.alloc(0);

  let sealed;
  let ocsp: readonly Uint8Array[];
  try {
    ocsp = await services.stapledOcsp();
    sealed = await sealRequest({
      signer: services.signer, ocsp, headers, body, messageId, requestId, client: clientText, service: serviceText,
      method: request.method, target: id.target, signedAt: services.clock.now(),
    });
  } catch (error) {
    throw GatewayFault.is(error) ? error : fault('Server.ClientProxy.CannotCreateSignature', undefined, error);
  }
  await services.messageLog.append({
    kind: 'request', side: 'client', xRoadId: messageId, requestId, client: clientText, service: serviceText,
    headerPart: Buffer.from(sealed.headerPart).toString('utf8'), jws: sealed.jws, signedBy: 'self',
    ...(sealed.proof === undefined ? {} : { batchProof: sealed.proof }),
    certificateChain: services.signer.certificateChain, ocspResponses: ocsp, body,
  });

  let res: PeerResponse;
  try {
    res = await services.peers.send(available, sealed.frame, {});
  } catch (error) {
    if (error instanceof PeerError && error.kind === 'timeout') throw fault('Server.ClientProxy.Timeout', undefined, error);
    throw fault('Server.ClientProxy.NetworkError', undefined, error);
  }
  const contentType = res.headers['content-type'];
  if (res.status !== 200 || contentType !== TRANSPORT_CONTENT_TYPE) throw relayPeerFault(res);

  const opened = await verifyResponse(services, res.body, id.service);
  checkConsistency(opened, { messageId, requestId, clientText, serviceText, headerPart: sealed.headerPart, body });

  await services.messageLog.append({
    kind: 'response', side: 'client', xRoadId: messageId, requestId, client: clientText, service: serviceText,
    status: opened.descriptor.status, headerPart: Buffer.from(opened.headerPart).toString('utf8'), jws: opened.jws,
    signedBy: 'peer', ...(opened.proof === undefined ? {} : { batchProof: opened.proof }),
    certificateChain: opened.chain, ocspResponses: opened.ocsp, body: opened.body,
  });
  log.info({ status: opened.descriptor.status, peer: res.peer.address }, 'exchange done');
  const out = toOutgoingHeaders(opened.headers);
  return reply.code(opened.descriptor.status).headers(out).send(Buffer.from(opened.body.buffer, opened.body.byteOffset, opened.body.byteLength));
}

/** Signature, digests, signer trust and signer identity, all before anything reaches the consumer. */
async function verifyResponse(services: ExchangeServices, frame: Buffer, service: ServiceId): Promise<OpenedMessage<ResponseDescriptor>> {
  let opened: OpenedMessage<ResponseDescriptor>;
  try {
    opened = openMessage(frame, 'response');
  } catch (error) {
    if (error instanceof TransportCheckError && error.reason !== 'malformed') throw fault('Server.ClientProxy.InvalidSignatureValue', undefined, error);
    throw fault('Server.ClientProxy.InvalidResponse', undefined, error);
  }
  let signer;
  try {
    signer = await services.trust.verifySigner({ chain: opened.chain, ocsp: opened.ocsp, at: services.clock.now(), side: 'client' });
  } catch (error) {
    if (error instanceof TrustError && error.code === 'TONLE_ERR_TRUST_OCSP') throw fault('Server.ClientProxy.IncorrectValidationInfo', undefined, error);
    throw fault('Server.ClientProxy.CertValidation', undefined, error);
  }
  // xroad-digest 3.5 verifySignerName: the response must be signed by the service's member.
  if (!sameId(signer, memberOf(service))) throw fault('Server.ClientProxy.CertValidation', "The response is not signed by the service provider's member");
  return opened;
}

/** xroad-digest 2.5: ids echo the request and the request hash is the one we compute ourselves. */
function checkConsistency(
  opened: OpenedMessage<ResponseDescriptor>,
  expected: { messageId: string; requestId: string; clientText: string; serviceText: string; headerPart: Uint8Array; body: Uint8Array },
): void {
  const d = opened.descriptor;
  const requestHash = computeRequestHash(sha512, expected.headerPart, expected.body.length > 0 ? sha512(expected.body) : undefined);
  const h = (name: string) => firstHeader(opened.headers, name);
  const ok =
    d.messageId === expected.messageId && d.requestId === expected.requestId && d.client === expected.clientText &&
    d.service === expected.serviceText && d.requestHash === requestHash &&
    h(XRoadHeader.Id) === expected.messageId && h(XRoadHeader.RequestId) === expected.requestId &&
    h(XRoadHeader.Client) === expected.clientText && h(XRoadHeader.Service) === expected.serviceText &&
    h(XRoadHeader.RequestHash) === requestHash;
  if (!ok) throw fault('Server.ClientProxy.InconsistentResponse');
}
