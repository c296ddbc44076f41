import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { encodePem } from '@tonle/pki';
import { apiKeyFromAuthorization, apiKeyMatches } from '../auth/index.ts';
import type { CaConfig } from '../config/index.ts';
import { isTrustServiceError, TrustServiceError } from '../errors/index.ts';
import { revocationReasons, type IssuedCertificate, type RevocationReason } from '../storage/index.ts';
import type { CertificationAuthority } from './authority.ts';
import { ownerFromRequest } from './owners.ts';

/**
 * The CA's HTTP face. Public: `GET /ca.pem`, `GET /ca.der`, `GET /health`. Admin (API key as
 * `Authorization: Bearer <key>` or `Authorization: X-Road-ApiKey token=<key>`):
 * `POST /api/v1/certificates` (issue), `GET /api/v1/certificates[/:serial]`,
 * `POST /api/v1/certificates/:serial/revoke`. Errors are `{ code, message }` with the code's status.
 *
 * @example
 * ```ts
 * const app = createCaServer({ config, log, authority, apiKey });
 * await app.listen({ host: config.host, port: config.port });
 * ```
 */
export function createCaServer(deps: { config: CaConfig; log: Logger; authority: CertificationAuthority; apiKey: string }): FastifyInstance {
  const { config, authority, apiKey } = deps;
  const app = Fastify({ loggerInstance: deps.log as FastifyBaseLogger, bodyLimit: config.bodyLimitBytes });
  // Raw PKCS#10 bodies (DER) are accepted too: profile and owner then come from the query string.
  app.addContentTypeParser(['application/pkcs10', 'application/octet-stream'], { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('application/x-pem-file', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (isTrustServiceError(error)) {
      request.log.info({ code: error.code, status: error.status }, 'CA request refused');
      const body: Record<string, unknown> = { code: error.code, message: error.message };
      if (error.violations.length > 0) body['violations'] = error.violations;
      return reply.status(error.status).send(body);
    }
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'CA request failed');
    return reply.status(status).send({ code: error.code ?? 'TONLE_ERR_TRUST_INTERNAL', message: status >= 500 ? 'internal error' : error.message });
  });

  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/ca.pem', async (_request, reply) => reply.header('content-type', 'application/x-pem-file').send(encodePem('CERTIFICATE', authority.certificate)));
  app.get('/ca.der', async (_request, reply) => reply.header('content-type', 'application/pkix-cert').send(Buffer.from(authority.certificate)));

  app.register(
    async (admin) => {
      admin.addHook('onRequest', async (request: FastifyRequest) => {
        if (!apiKeyMatches(apiKeyFromAuthorization(request.headers.authorization), apiKey)) {
          throw new TrustServiceError('TONLE_ERR_TRUST_UNAUTHORIZED', 'Send the CA admin API key as "Authorization: Bearer <key>" or "Authorization: X-Road-ApiKey token=<key>".');
        }
      });

      admin.post('/certificates', async (request, reply) => {
        const { csr, fields } = issueInput(request.body, request.query);
        const record = await authority.issue({ csr, owner: ownerFromRequest(fields) });
        return reply.status(201).send(render(record));
      });

      admin.get('/certificates', async () => ({ certificates: (await authority.list()).map((r) => render(r, false)) }));

      admin.get('/certificates/:serial', async (request) => {
        const serial = (request.params as { serial: string }).serial;
        const record = await authority.get(serial);
        if (record === undefined) throw new TrustServiceError('TONLE_ERR_TRUST_CERT_NOT_FOUND', `No certificate with serial ${serial} was issued by this CA.`);
        return render(record);
      });

      admin.post('/certificates/:serial/revoke', async (request) => {
        const serial = (request.params as { serial: string }).serial;
        const body = (request.body ?? {}) as Record<string, unknown>;
        const reason = body['reason'] ?? 'unspecified';
        if (typeof reason !== 'string' || !revocationReasons.includes(reason as RevocationReason)) {
          throw new TrustServiceError('TONLE_ERR_TRUST_BAD_REQUEST', `reason must be one of ${revocationReasons.join(', ')}.`);
        }
        return render(await authority.revoke(serial, reason as RevocationReason));
      });
    },
    { prefix: '/api/v1' },
  );
  return app;
}

/** The JSON view of a record: metadata, plus the certificate as PEM unless listing. */
function render(record: IssuedCertificate, withCertificate = true): Record<string, unknown> {
  return {
    serialNumber: record.serialNumber,
    profile: record.profile,
    owner: record.owner,
    subject: record.subject,
    issuedAt: new Date(record.issuedAt).toISOString(),
    notBefore: new Date(record.notBefore).toISOString(),
    notAfter: new Date(record.notAfter).toISOString(),
    sha256: record.sha256,
    status: record.revocation === undefined ? 'good' : 'revoked',
    ...(record.revocation === undefined
      ? {}
      : { revocationTime: new Date(record.revocation.time).toISOString(), revocationReason: record.revocation.reason }),
    ...(withCertificate ? { certificate: encodePem('CERTIFICATE', record.certificate) } : {}),
  };
}

/** JSON `{ csr, profile, memberId|serverId }` (csr as PEM or base64 DER), or a raw CSR with query fields. */
function issueInput(body: unknown, query: unknown): { csr: Uint8Array | string; fields: Record<string, unknown> } {
  const q = (query ?? {}) as Record<string, unknown>;
  if (Buffer.isBuffer(body)) return { csr: new Uint8Array(body), fields: q };
  if (typeof body === 'string') return { csr: body, fields: q };
  if (typeof body !== 'object' || body === null) {
    throw new TrustServiceError('TONLE_ERR_TRUST_BAD_REQUEST', 'Send JSON { "csr": "<PEM or base64 DER>", "profile": "sign"|"auth", "memberId"|"serverId": ... }.');
  }
  const fields = body as Record<string, unknown>;
  const csr = fields['csr'];
  if (typeof csr !== 'string' || csr.length === 0) throw new TrustServiceError('TONLE_ERR_TRUST_BAD_REQUEST', 'csr must be a PEM "CERTIFICATE REQUEST" or base64 DER string.');
  if (csr.includes('-----BEGIN')) return { csr, fields };
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(csr.replace(/\s+/g, ''))) throw new TrustServiceError('TONLE_ERR_TRUST_BAD_REQUEST', 'csr is neither PEM nor base64 DER.');
  return { csr: new Uint8Array(Buffer.from(csr, 'base64')), fields };
}
