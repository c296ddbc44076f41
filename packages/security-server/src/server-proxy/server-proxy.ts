import { createHash } from 'node:crypto';
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
import { TrustError, type ExchangeServices } from '../proxy-services/index.ts';
import { RESPONSE_XROAD_HEADERS, firstHeader, withoutHeaders } from '../client-proxy/index.ts';
import { asFault, fault, rememberExchange, replyFault, replyRefusal } from '../errors/index.ts';
import { ProviderError } from './provider-client.ts';
import { answerProviderMetaservice, isMetaserviceCall } from '../metaservices/index.ts';
import {
  TRANSPORT_CONTENT_TYPE,
  TRANSPORT_PATH,
  TransportCheckError,
  openMessage,
  sealResponse,
  sha512,
  type OpenedMessage,
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
    // The envelope (signature, certificates, OCSP, headers) comes on top of the body.
    bodyLimit: services.limits.serverBodyBytes + 1024 * 1024,
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
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.setErrorHandler((error: Error & { code?: string }, request, reply) => {
    let f: GatewayFault;
    if (GatewayFault.is(error)) f = error;
    else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') f = fault('Server.ServerProxy.RequestTooLarge');
    else f = asFault(error, 'Server.ServerProxy');
    return replyRefusal(request, reply, f, log, 'server', services.messageLog);
  });
  app.setNotFoundHandler((request, reply) => {
    replyFault(request, reply, fault('Server.ServerProxy.InvalidRequest', `Tonle transport v1 accepts POST ${TRANSPORT_PATH} only`), log);
  });
  app.post(TRANSPORT_PATH, (request, reply) => handle(services, log, request, reply));
  return app;
}

function peerCertificateHash(request: FastifyRequest): string | undefined {
  const socket = request.raw.socket as TLSSocket;
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  const raw = socket.getPeerCertificate()?.raw;
  return raw === undefined ? undefined : createHash('sha256').update(raw).digest('hex');
}

async function handle(services: ExchangeServices, baseLog: ExchangeServices['log'], request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  // 1. Fail closed on an expired configuration (architecture §9).
  const conf = services.globalConf.current('server');
  // 2. The TLS peer must be a registered security server (xroad-digest 3.1: binding by certificate hash).
  const hash = peerCertificateHash(request);
  const peers = hash === undefined ? [] : conf.serversWithAuthCert(hash);
  if (peers.length === 0) throw fault('Server.ServerProxy.SslAuthenticationFailed', 'The TLS client certificate is not registered for any security server');
  if (request.headers['content-type'] !== TRANSPORT_CONTENT_TYPE || !(request.body instanceof Buffer)) {
    throw fault('Server.ServerProxy.InvalidRequest', `Expected ${TRANSPORT_CONTENT_TYPE}`);
  }
  // 3. Signature, batch proof, header and body digests.
  let opened: OpenedMessage<RequestDescriptor>;
  try {
    opened = openMessage(request.body, 'request');
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
  const log = baseLog.child({ xroad: { id: d.messageId, requestId: d.requestId, client: d.client, service: d.service } });
  // Only ids from a verified signature are recorded; refusals before that point are logged, not recorded.
  rememberExchange(request, { xRoadId: d.messageId, requestId: d.requestId, client: d.client, service: d.service });
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
    await logRequest(services, opened);
    return sealAndReply(services, log, reply, opened, answer);
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

  // 6. Log before anything reaches the provider.
  await logRequest(services, opened);

  // 7. Call the provider with the normalised path (what access control approved, never the raw one).
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
    answer = await services.provider.call({ url, method: d.method, headers: opened.headers, body: opened.body, timeoutMs: conf_.timeoutSeconds * 1000 });
  } catch (error) {
    if (error instanceof ProviderError && error.kind === 'timeout') throw fault('Server.ServerProxy.ServiceFailed.Timeout', undefined, error);
    if (error instanceof ProviderError && error.kind === 'connect') throw fault('Server.ServerProxy.NetworkError', undefined, error);
    throw fault('Server.ServerProxy.ServiceFailed', undefined, error);
  }

  return sealAndReply(services, log, reply, opened, answer);
}

/** Step 6: the verified request goes to the message log before anything reaches the provider. */
async function logRequest(services: ExchangeServices, opened: OpenedMessage<RequestDescriptor>): Promise<void> {
  const d = opened.descriptor;
  await services.messageLog.append({
    kind: 'request', side: 'server', xRoadId: d.messageId, requestId: d.requestId, client: d.client, service: d.service,
    headerPart: Buffer.from(opened.headerPart).toString('utf8'), jws: opened.jws, signedBy: 'peer',
    ...(opened.proof === undefined ? {} : { batchProof: opened.proof }),
    certificateChain: opened.chain, ocspResponses: opened.ocsp, body: opened.body,
  });
}

/** Step 8: the answer (provider's or a metaservice's) with our X-Road headers, signed, logged and sent. */
async function sealAndReply(
  services: ExchangeServices,
  log: ExchangeServices['log'],
  reply: FastifyReply,
  opened: OpenedMessage<RequestDescriptor>,
  answer: { readonly status: number; readonly reason: string; readonly headers: readonly (readonly [string, string])[]; readonly body: Buffer },
): Promise<FastifyReply> {
  const d = opened.descriptor;
  // 8. Response headers: the provider's (pr-rest 4.6: its 4xx/5xx pass through untouched), X-Road ones ours.
  const requestHash = computeRequestHash(sha512, opened.headerPart, opened.body.length > 0 ? sha512(opened.body) : undefined);
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
    sealed = await sealResponse({
      signer: services.signer, ocsp, headers, body: answer.body, messageId: d.messageId, requestId: d.requestId,
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
    certificateChain: services.signer.certificateChain, ocspResponses: ocsp, body: answer.body,
  });
  log.info({ status: answer.status }, 'served');
  return reply.code(200).header('content-type', TRANSPORT_CONTENT_TYPE).send(sealed.frame);
}
