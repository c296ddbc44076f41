import type { KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '@tonle/protocol';
import { buildOcspErrorResponse, buildOcspResponse, certIdMatchesIssuer, parseOcspRequest, PkiError } from '@tonle/pki';
import type { CertificateStore } from '../storage/index.ts';

/** What the responder answers: the DER OCSPResponse and how long an HTTP cache may keep it. */
export interface OcspAnswer {
  readonly der: Uint8Array;
  /** 0 means "do not cache" (error statuses, nonce-bearing responses). */
  readonly cacheMaxAgeSeconds: number;
}

/** Turns one DER OCSPRequest into one DER OCSPResponse; never throws for bad input. */
export interface OcspResponder {
  respond(request: Uint8Array): Promise<OcspAnswer>;
}

/** The delegated responder identity (RFC 6960 §4.2.2.2: issued by the CA, EKU id-kp-OCSPSigning). */
export interface ResponderIdentity {
  readonly certificate: Uint8Array;
  readonly privateKey: KeyObject;
}

/**
 * Answers OCSP requests about the certificates of one CA from its issued-certificate store:
 * `good`, `revoked` (time + reason) or `unknown` (never issued). A CertID naming another issuer makes the
 * whole response `unauthorized` (RFC 6960 §2.3: the responder is not authoritative for it); a request
 * that does not parse is `malformedRequest`; a store failure is `internalError`.
 */
export function createOcspResponder(deps: {
  readonly caCertificate: Uint8Array;
  readonly responder: ResponderIdentity;
  readonly store: CertificateStore;
  readonly clock: Clock;
  readonly log: Logger;
  readonly nextUpdateSeconds: number;
  readonly cacheMaxAgeSeconds: number;
}): OcspResponder {
  const { caCertificate, responder, store, clock, log } = deps;
  const error = (status: 'malformedRequest' | 'internalError' | 'unauthorized'): OcspAnswer => ({
    der: buildOcspErrorResponse(status),
    cacheMaxAgeSeconds: 0,
  });

  return {
    async respond(requestDer) {
      let request: ReturnType<typeof parseOcspRequest>;
      try {
        request = parseOcspRequest(requestDer);
      } catch (e) {
        if (!PkiError.is(e)) log.error({ err: e }, 'OCSP request parser failed unexpectedly');
        return error('malformedRequest');
      }
      if (request.certIds.length === 0) return error('malformedRequest');
      if (!request.certIds.every((certId) => certIdMatchesIssuer(certId, caCertificate))) {
        log.info({ certs: request.certIds.length }, 'OCSP request for another issuer');
        return error('unauthorized');
      }
      const now = clock.now();
      const nextUpdate = now + deps.nextUpdateSeconds * 1000;
      try {
        const responses = [];
        for (const certId of request.certIds) {
          const record = await store.get(certId.serialNumber);
          if (record === undefined) {
            responses.push({ certId, status: 'unknown' as const, thisUpdate: now, nextUpdate });
          } else if (record.revocation !== undefined) {
            responses.push({
              certId,
              status: 'revoked' as const,
              revocationTime: record.revocation.time,
              revocationReason: record.revocation.reason,
              thisUpdate: now,
              nextUpdate,
            });
          } else {
            responses.push({ certId, status: 'good' as const, thisUpdate: now, nextUpdate });
          }
        }
        const der = await buildOcspResponse({
          responderCertificate: responder.certificate,
          privateKey: responder.privateKey,
          producedAt: now,
          responses,
          ...(request.nonce === undefined ? {} : { nonce: request.nonce }),
          certificates: [responder.certificate],
        });
        log.info({ serials: request.certIds.map((c) => c.serialNumber), statuses: responses.map((r) => r.status) }, 'OCSP response');
        // Never let a cache outlive nextUpdate (RFC 5019 §6.2).
        const maxAge = request.nonce === undefined ? Math.min(deps.cacheMaxAgeSeconds, deps.nextUpdateSeconds) : 0;
        return { der, cacheMaxAgeSeconds: maxAge };
      } catch (e) {
        log.error({ err: e }, 'OCSP response could not be produced');
        return error('internalError');
      }
    },
  };
}
