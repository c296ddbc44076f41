import type { KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '@tonle/protocol';
import { buildTimeStampRejection, buildTimeStampResponse, parseTimeStampRequest, PkiError } from '@tonle/pki';
import type { SerialCounter } from '../storage/index.ts';

/** RFC 3161 §2.4.2 PKIFailureInfo values this TSA answers with. */
export type TimeStampFailure = 'badAlg' | 'badRequest' | 'badDataFormat' | 'unacceptedPolicy' | 'systemFailure';

/** Turns one DER TimeStampReq into one DER TimeStampResp; never throws for bad input. */
export interface TimeStampAuthority {
  stamp(request: Uint8Array): Promise<Uint8Array>;
}

/** The TSA's signing identity: a certificate with the critical EKU id-kp-timeStamping (RFC 3161 §2.3). */
export interface TsaIdentity {
  readonly certificate: Uint8Array;
  readonly privateKey: KeyObject;
}

/**
 * A time-stamping authority: SHA-256/384/512 imprints, nonce echo, one policy OID, the TSA certificate
 * in the token when `certReq` is set, and a serial number from a durable monotonic counter (persisted
 * before the reply leaves). Unknown hash algorithm -> `badAlg`; undecodable request -> `badDataFormat`;
 * a request that decodes but is wrong (version, imprint length) -> `badRequest`; another policy ->
 * `unacceptedPolicy`.
 */
export function createTimeStampAuthority(deps: {
  readonly tsa: TsaIdentity;
  readonly serials: SerialCounter;
  readonly clock: Clock;
  readonly log: Logger;
  readonly policyOid: string;
}): TimeStampAuthority {
  const { tsa, serials, clock, log, policyOid } = deps;
  const reject = (failInfo: TimeStampFailure): Uint8Array => {
    log.info({ failInfo }, 'time-stamp request rejected');
    return buildTimeStampRejection(failInfo);
  };

  return {
    async stamp(requestDer) {
      let request: ReturnType<typeof parseTimeStampRequest>;
      try {
        request = parseTimeStampRequest(requestDer);
      } catch (e) {
        if (!PkiError.is(e)) {
          log.error({ err: e }, 'time-stamp request parser failed unexpectedly');
          return reject('badDataFormat');
        }
        if (e.code === 'TONLE_ERR_PKI_TSP_BAD_ALGORITHM') return reject('badAlg');
        if (e.code === 'TONLE_ERR_PKI_TSP_BAD_REQUEST') return reject('badRequest');
        return reject('badDataFormat');
      }
      if (request.policy !== undefined && request.policy !== policyOid) return reject('unacceptedPolicy');
      try {
        // The serial is durable before the token exists, so no restart can hand it out again.
        const serialNumber = await serials.next();
        const genTime = clock.now();
        const der = await buildTimeStampResponse({
          tsaCertificate: tsa.certificate,
          privateKey: tsa.privateKey,
          policy: policyOid,
          serialNumber,
          genTime,
          hashAlgorithm: request.hashAlgorithm,
          digest: request.digest,
          ...(request.nonce === undefined ? {} : { nonce: request.nonce }),
          includeCertificate: request.certReq,
        });
        log.info({ serial: serialNumber.toString(), hashAlgorithm: request.hashAlgorithm }, 'time-stamp granted');
        return der;
      } catch (e) {
        log.error({ err: e }, 'time-stamp could not be produced');
        return reject('systemFailure');
      }
    },
  };
}
