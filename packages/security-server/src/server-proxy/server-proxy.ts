import { STATUS_CODES } from 'node:http';
import type { TLSSocket } from 'node:tls';
import {
  GatewayFault,
  XRoadHeader,
  computeRequestHash,
  memberOf,
  parseClientId,
  parseServiceId,
  parseServicePath,
  providerOf,
  sameId,
  transportedHeaders,
  type ClientId,
  type HeaderPair,
  type ServiceId,
} from '@tonle/protocol';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { bodyFromBytes, takeBody, type MessageBody } from '../body/index.ts';
import { TrustError, type ExchangeServices } from '../proxy-services/index.ts';
import { RESPONSE_XROAD_HEADERS, firstHeader, withoutHeaders } from '../client-proxy/index.ts';
import { asFault, fault, rememberExchange, replyFault, replyRefusal } from '../errors/index.ts';
import { ProviderError, isProviderTimeout } from './provider-client.ts';
import { answerProviderMetaservice, isMetaserviceCall } from '../metaservices/index.ts';
import {
  MAX_ENVELOPE_BYTES,
  TRANSPORT_CONTENT_TYPE,
  TRANSPORT_PATH,
  TransportCheckError,
  certHash,
  checkBodyDigest,
  openHead,
  outgoingFrame,
  readFrame,
  sealResponseHead,
  sha512,
  type OpenedHead,
  type RequestDescriptor,
} from '../transport/index.ts';

export interface ServerProxyTls {
  /** PEM: the server's registered authentication certificate (then chain) and its key. */
  readonly cert: string;
  readonly key: string;
  readonly passphrase?: string;
  readonly minVersion: 'TLSv1.2' | 'TLSv1.3';
}

/**
 * The provider-side proxy (architecture §3, mirror order): mutual TLS from peer security servers only;
 * global configuration, peer certificate, signature and OCSP, service, access rights, log, provider call,
 * signed and logged response. Nothing unverified reaches the provider.
 */
export function buildServerProxy(services: ExchangeServices, tls: ServerProxyTls): FastifyInstance {
  const log = services.log.child({ module: 'server-proxy' });
  const app = Fastify({
    logger: false,
    return503OnClosing: true,
    https: {
      cert: tls.cert,
      key: tls.key,
      ...(tls.passphrase === undefined ? {} : { passphrase: tls.passphrase }),
      minVersion: tls.minVersion,
      maxVersion: 'TLSv1.3',
      // Every peer must present a certificate; which ones count is decided by the global configuration.
      requestCert: true,
      rejectUnauthorized: false,
    },
    frameworkErrors: (error, request, reply) => {
      replyFault(request, reply, fault('Server.ServerProxy.InvalidRequest', undefined, error), log);
    },
  });
  app.removeAllContentTypeParsers();
  // The handler reads the frame from the socket itself: head first, body streamed (hashed, spooled if large).
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));
  app.setErrorHandler((error: Error & { code?: string }, request, reply) => {
    const f = asFault(error, 'Server.ServerProxy');
    return replyRefusal(request, reply, f, log, 'server', services.messageLog);
  });
  app.setNotFoundHandler((request, reply) => {
    replyFault(request, reply, fault('Server.ServerProxy.InvalidRequest', `Tonle transport v1 accepts POST ${TRANSPORT_PATH} only`), log);
  });
  app.post(TRANSPORT_PATH, (request, reply) => handle(services, log, request, reply));
  return app;
}

/**
 * SHA-256 of the TLS peer's certificate, computed once per connection: it cannot change on a connection,
 * and `getPeerCertificate()` builds a whole certificate object every time it is called.
 */
const peerHashes = new WeakMap<object, string | undefined>();

function peerCertificateHash(request: FastifyRequest): string | undefined {
  const socket = request.raw.socket as TLSSocket;
  if (peerHashes.has(socket)) return peerHashes.get(socket);
  const hash = typeof socket.getPeerCertificate === 'function' ? certHash(socket) : undefined;
  peerHashes.set(socket, hash);
  return hash;
}

async function handle(services: ExchangeServices, baseLog: ExchangeServices['log'], request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  // 1. Fail closed on an expired configuration (architecture §9).
  const conf = services.globalConf.current('server');
  // 2. The TLS peer must be a registered security server (xroad-digest 3.1: binding by certificate hash).
  const hash = peerCertificateHash(request);
  const peers = hash === undefined ? [] : conf.serversWithAuthCert(hash);
  if (peers.length === 0) throw fault('Server.ServerProxy.SslAuthenticationFailed', 'The TLS client certificate is not registered for any security server');
  if (request.headers['content-type'] !== TRANSPORT_CONTENT_TYPE) {
    throw fault('Server.ServerProxy.InvalidRequest', `Expected ${TRANSPORT_CONTENT_TYPE}`);
  }
  const maxFrame = services.limits.serverBodyBytes + 4 + MAX_ENVELOPE_BYTES;
  const declared = Number(request.headers['content-length'] ?? NaN);
  if (declared > maxFrame) {
    void reply.header('connection', 'close');
    throw fault('Server.ServerProxy.RequestTooLarge', `The message exceeds ${services.limits.serverBodyBytes} bytes`);
  }
  // 3. Signature, batch proof and header digest, from the frame's head, before the body is taken in.
  let frame: Awaited<ReturnType<typeof readFrame>>;
  try {
    frame = await readFrame(request.raw.iterator({ destroyOnReturn: false }));
  } catch (error) {
    void reply.header('connection', 'close');
    throw fault('Server.ServerProxy.InvalidRequest', 'The transported message is malformed', error);
  }
  let body: MessageBody | undefined;
  try {
    return await serve(services, baseLog, request, reply, conf, peers, frame, (b) => (body = b));
  } finally {
    // A refusal before the body was taken in leaves it on the connection: read it off (bounded) so the
    // peer gets our answer on a clean keep-alive connection.
    if (body === undefined) await discardRest(frame.body, maxFrame, reply);
  }
}

/** A spooled body's file goes when the answer is finished or the connection is gone, whichever comes first. */
function releaseOnClose(reply: FastifyReply, body: MessageBody): void {
  if (body.bytes === undefined) reply.raw.once('close', () => void body.release());
}

async function discardRest(rest: AsyncIterable<Uint8Array>, max: number, reply: FastifyReply): Promise<void> {
  let seen = 0;
  try {
    for await (const chunk of rest) {
      seen += chunk.byteLength;
      if (seen > max) break;
    }
  } catch {
    seen = Infinity;
  }
  if (seen > max && !reply.sent) void reply.header('connection', 'close');
}

async function serve(
  services: ExchangeServices,
  baseLog: ExchangeServices['log'],
  request: FastifyRequest,
  reply: FastifyReply,
  conf: ReturnType<ExchangeServices['globalConf']['current']>,
  peers: ReturnType<ReturnType<ExchangeServices['globalConf']['current']>['serversWithAuthCert']>,
  frame: Awaited<ReturnType<typeof readFrame>>,
  took: (body: MessageBody) => void,
): Promise<FastifyReply> {
  let opened: OpenedHead<RequestDescriptor>;
  try {
    opened = openHead(frame.envelope, 'request');
  } catch (error) {
    if (error instanceof TransportCheckError && error.reason !== 'malformed') throw fault('Server.ServerProxy.InvalidSignatureValue', undefined, error);
    throw fault('Server.ServerProxy.InvalidRequest', undefined, error);
  }
  const d = opened.descriptor;
  let client: ClientId;
  let service: ServiceId;
  let servicePath: { path: string; query: string | undefined };
  try {
    client = parseClientId(d.client, { validation: 'lenient' });
    service = parseServiceId(d.service, { validation: 'lenient' });
    const sp = parseServicePath(d.path, { validation: 'lenient' });
    if (!sameId(sp.service, service)) throw new TypeError('path and service differ');
    servicePath = { path: sp.path, query: sp.query };
  } catch (error) {
    throw fault('Server.ServerProxy.InvalidRequest', 'The signed request names an invalid client, service or path', error);
  }
  const h = (name: string) => firstHeader(opened.headers, name);
  if (h(XRoadHeader.Client) !== d.client || h(XRoadHeader.Id) !== d.messageId || h(XRoadHeader.RequestId) !== d.requestId) {
    throw fault('Server.ServerProxy.InvalidRequest', 'The X-Road headers do not match the signed request');
  }
  // The exchange's own log line is at debug: the child (with its redaction pass) only when it is written.
  const log = baseLog.isLevelEnabled('debug') ? baseLog.child({ xroad: { id: d.messageId, requestId: d.requestId, client: d.client, service: d.service } }) : baseLog;
  // Only ids from a verified signature are recorded; refusals before that point are logged, not recorded.
  rememberExchange(request, { xRoadId: d.messageId, requestId: d.requestId, client: d.client, service: d.service, parsed: { client, service } });
  // The calling server must host the calling client.
  const hosts = conf.serversHosting(client);
  if (!peers.some((p) => hosts.some((s) => sameId(s.id, p.id)))) {
    throw fault('Server.ServerProxy.SslAuthenticationFailed', `The calling security server does not host ${d.client}`);
  }
  // Signer certificate: approved CA, OCSP good and fresh, and it identifies the client's member.
  let signer;
  try {
    signer = await services.trust.verifySigner({ chain: opened.chain, ocsp: opened.ocsp, at: services.clock.now(), side: 'server' });
  } catch (error) {
    if (error instanceof TrustError && error.code === 'TONLE_ERR_TRUST_OCSP') throw fault('Server.ServerProxy.IncorrectValidationInfo', undefined, error);
    throw fault('Server.ServerProxy.CertValidation', undefined, error);
  }
  if (!sameId(signer, memberOf(client))) throw fault('Server.ServerProxy.CertValidation', "The request is not signed by the client's member");

  // Metaservices (pr-mrest §4-5): answered here from the local configuration instead of an information system;
  // the request and the signed answer are logged like any other message.
  if (isMetaserviceCall(d.method, service.serviceCode)) {
    const answer = answerProviderMetaservice({
      serviceCode: service.serviceCode, provider: providerOf(service), client, query: servicePath.query,
      snapshot: services.serverConf.current(), globalGroups: conf,
    });
    const requestBody = await takeAndLogRequest(services, reply, frame, opened, took);
    return sealAndReply(services, log, reply, opened, requestBody, { ...answer, body: bodyFromBytes(answer.body) });
  }

  // 4. Service hosted here, configured and enabled.
  const snapshot = services.serverConf.current();
  const owner = snapshot.client(providerOf(service));
  if (owner === undefined || owner.status !== 'REGISTERED') throw fault('Server.ServerProxy.UnknownMember');
  const conf_ = snapshot.service(service);
  if (conf_ === undefined) throw fault('Server.ServerProxy.UnknownService');
  if (!conf_.enabled) {
    throw fault('Server.ServerProxy.ServiceDisabled', conf_.disabledNotice === undefined ? undefined : `The service is disabled: ${conf_.disabledNotice}`);
  }
  // 5. Access rights (enforced only here, xroad-digest 8.1).
  const decision = services.accessControl.isQueryAllowed({ client, service, method: d.method, path: servicePath.path, globalGroups: conf });
  if (!decision.allowed) throw fault('Server.ServerProxy.AccessDenied', undefined, decision.reason === 'INVALID_PATH' ? decision.error : undefined);

  // 6-7. The body, checked against the signed digest, and the request logged before anything reaches the provider.
  const requestBody = await takeAndLogRequest(services, reply, frame, opened, took);

  // 8. Call the provider with the normalised path (what access control approved, never the raw one).
  let url: URL;
  try {
    url = new URL(conf_.url);
  } catch (error) {
    throw fault('Server.ServerProxy.ServiceMalformedUrl', undefined, error);
  }
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${decision.normalizedPath === '/' && servicePath.path === '' ? '' : decision.normalizedPath}`;
  url.search = servicePath.query === undefined ? '' : `?${servicePath.query}`;
  let answer;
  try {
    answer = await services.provider.call({
      url, method: d.method, headers: opened.headers, body: requestBody, timeoutMs: conf_.timeoutSeconds * 1000,
      tls: { verify: conf_.tlsVerify, pinnedCertHashes: conf_.pinnedCertHashes },
    });
  } catch (error) {
    if (error instanceof ProviderError && error.kind === 'timeout') throw fault('Server.ServerProxy.ServiceFailed.Timeout', undefined, error);
    if (error instanceof ProviderError && error.kind === 'connect') throw fault('Server.ServerProxy.NetworkError', undefined, error);
    if (error instanceof ProviderError && error.kind === 'tls') throw fault('Server.ServerProxy.SslAuthenticationFailed', "The service's TLS certificate is not accepted for it", error);
    throw fault('Server.ServerProxy.ServiceFailed', undefined, error);
  }
  // The provider's body, hashed as it arrives; a provider that breaks off mid-body fails the exchange.
  const responseBody = await takeBody(services.spool, answer.body, {
    maxBytes: services.limits.serverBodyBytes,
    faults: {
      tooLarge: () => fault('Server.ServerProxy.ServiceFailed', `The service's response exceeds ${services.limits.serverBodyBytes} bytes`),
      broken: (error) =>
        isProviderTimeout(error)
          ? fault('Server.ServerProxy.ServiceFailed.Timeout', 'The service stopped sending its response', error)
          : fault('Server.ServerProxy.ServiceFailed', 'The service broke off its response', error),
      internal: (error) => fault('Server.ServerProxy.InternalError', undefined, error),
    },
    onTaken: (taken) => releaseOnClose(reply, taken),
  });

  return sealAndReply(services, log, reply, opened, requestBody, { ...answer, body: responseBody });
}

/** Steps 6-7: the body, hashed as it arrives and held until it matches the signed digest; then the request is logged. */
async function takeAndLogRequest(
  services: ExchangeServices,
  reply: FastifyReply,
  frame: Awaited<ReturnType<typeof readFrame>>,
  opened: OpenedHead<RequestDescriptor>,
  took: (body: MessageBody) => void,
): Promise<MessageBody> {
  const d = opened.descriptor;
  const requestBody = await takeBody(services.spool, frame.body, {
    maxBytes: services.limits.serverBodyBytes,
    faults: {
      tooLarge: () => fault('Server.ServerProxy.RequestTooLarge', `The body exceeds ${services.limits.serverBodyBytes} bytes`),
      broken: (error) => fault('Server.ServerProxy.InvalidRequest', 'The message broke off before its end', error),
      internal: (error) => fault('Server.ServerProxy.InternalError', undefined, error),
    },
    onTaken: (taken) => {
      took(taken);
      releaseOnClose(reply, taken);
    },
  }).catch((error: unknown) => {
    // The rest of an oversized or broken frame is not read: close the connection after the answer.
    void reply.header('connection', 'close');
    throw error;
  });
  try {
    checkBodyDigest(d, requestBody.sha512);
  } catch (error) {
    throw fault('Server.ServerProxy.InvalidSignatureValue', undefined, error);
  }

  await services.messageLog.append({
    kind: 'request', side: 'server', xRoadId: d.messageId, requestId: d.requestId, client: d.client, service: d.service,
    headerPart: Buffer.from(opened.headerPart).toString('utf8'), jws: opened.jws, signedBy: 'peer',
    ...(opened.proof === undefined ? {} : { batchProof: opened.proof }),
    certificateChain: opened.chain, ocspResponses: opened.ocsp, body: requestBody.forLog,
  });
  return requestBody;
}

/** Step 9: the answer (provider's or a metaservice's) with our X-Road headers, signed, logged and sent. */
async function sealAndReply(
  services: ExchangeServices,
  log: ExchangeServices['log'],
  reply: FastifyReply,
  opened: OpenedHead<RequestDescriptor>,
  requestBody: MessageBody,
  answer: { readonly status: number; readonly reason: string; readonly headers: readonly (readonly [string, string])[]; readonly body: MessageBody },
): Promise<FastifyReply> {
  const d = opened.descriptor;
  const responseBody = answer.body;
  // Response headers: the provider's (pr-rest 4.6: its 4xx/5xx pass through untouched), X-Road ones ours.
  const requestHash = computeRequestHash(sha512, opened.headerPart, requestBody.size > 0 ? requestBody.sha512 : undefined);
  const headers: HeaderPair[] = [
    ...withoutHeaders(transportedHeaders(answer.headers), RESPONSE_XROAD_HEADERS),
    [XRoadHeader.Id, d.messageId],
    [XRoadHeader.Client, d.client],
    [XRoadHeader.Service, d.service],
    [XRoadHeader.RequestId, d.requestId],
    [XRoadHeader.RequestHash, requestHash],
  ];
  let sealed;
  let ocsp: readonly Uint8Array[];
  try {
    ocsp = await services.stapledOcsp();
    sealed = await sealResponseHead({
      signer: services.signer, ocsp, headers, bodySha512: responseBody.sha512, messageId: d.messageId, requestId: d.requestId,
      client: d.client, service: d.service, status: answer.status, reason: answer.reason || (STATUS_CODES[answer.status] ?? ''),
      requestHash, signedAt: services.clock.now(),
    });
  } catch (error) {
    throw GatewayFault.is(error) ? error : fault('Server.ServerProxy.CannotCreateSignature', undefined, error);
  }
  await services.messageLog.append({
    kind: 'response', side: 'server', xRoadId: d.messageId, requestId: d.requestId, client: d.client, service: d.service,
    status: answer.status, headerPart: Buffer.from(sealed.headerPart).toString('utf8'), jws: sealed.jws, signedBy: 'self',
    ...(sealed.proof === undefined ? {} : { batchProof: sealed.proof }),
    certificateChain: services.signer.certificateChain, ocspResponses: ocsp, body: responseBody.forLog,
  });
  // Every exchange is counted in /metrics and operational monitoring; a log line each is for debugging.
  log.debug({ status: answer.status, size: responseBody.size }, 'served');
  const out = outgoingFrame(sealed.head, responseBody);
  return reply.code(200).header('content-type', TRANSPORT_CONTENT_TYPE).header('content-length', out.length).send(out.open());
}
