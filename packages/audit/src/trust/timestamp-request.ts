import { randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { AuditError } from '../errors.ts';

const ID_SHA256 = '2.16.840.1.101.3.4.2.1';

/** An RFC 3161 §2.4.1 TimeStampReq over a SHA-256 digest, with a random 64-bit nonce and certReq. */
export function buildTimestampRequest(sha256Digest: Uint8Array): { der: Uint8Array; nonce: bigint } {
  if (!(sha256Digest instanceof Uint8Array) || sha256Digest.length !== 32) throw new TypeError('buildTimestampRequest needs a 32-byte SHA-256 digest');
  const nonceBytes = randomBytes(8);
  nonceBytes[0] = (nonceBytes[0]! & 0x7f) | 0x01; // positive and minimal DER: no 0x00 / 0xff lead byte
  const req = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: ID_SHA256 }),
      hashedMessage: new asn1js.OctetString({ valueHex: Uint8Array.from(sha256Digest) }),
    }),
    nonce: new asn1js.Integer({ valueHex: Uint8Array.from(nonceBytes) }),
    certReq: true,
  });
  return { der: new Uint8Array(req.toSchema().toBER(false)), nonce: BigInt(`0x${nonceBytes.toString('hex')}`) };
}

/**
 * Extracts the TimeStampToken from an RFC 3161 §2.4.2 TimeStampResp; throws when the TSA did not grant
 * (status other than granted / grantedWithMods) or the response is not DER.
 */
export function timestampTokenFromResponse(der: Uint8Array): Uint8Array {
  const asn1 = asn1js.fromBER(Uint8Array.from(der));
  if (asn1.offset === -1) throw new AuditError('TONLE_ERR_AUDIT_TIMESTAMP_RESPONSE', 'TSA response is not DER');
  let resp: pkijs.TimeStampResp;
  try {
    resp = new pkijs.TimeStampResp({ schema: asn1.result });
  } catch (cause) {
    throw new AuditError('TONLE_ERR_AUDIT_TIMESTAMP_RESPONSE', 'TSA response is not a TimeStampResp', { cause });
  }
  const status = resp.status.status;
  if ((status !== 0 && status !== 1) || resp.timeStampToken === undefined) {
    throw new AuditError('TONLE_ERR_AUDIT_TIMESTAMP_RESPONSE', `TSA refused the request (PKIStatus ${status})`);
  }
  return new Uint8Array(resp.timeStampToken.toSchema().toBER(false));
}
