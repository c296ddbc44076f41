import { X509Certificate, createHash, webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { checkChain, type TrustAnchors } from './anchors.ts';

const ID_SIGNED_DATA = '1.2.840.113549.1.7.2';
const ID_CT_TST_INFO = '1.2.840.113549.1.9.16.1.4';
const ID_SHA256 = '2.16.840.1.101.3.4.2.1';

let engineReady = false;
function ensureEngine(): void {
  if (engineReady) return;
  pkijs.setEngine('node', new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as unknown as ConstructorParameters<typeof pkijs.CryptoEngine>[0]['crypto'] }));
  engineReady = true;
}

export type TimestampCheck =
  | { readonly ok: true; readonly genTime: number; readonly tsa: string; readonly serial: string }
  | { readonly ok: false; readonly reason: string };

/**
 * Verifies an RFC 3161 TimeStampToken (RFC 3161 §2.4.2, CMS SignedData over TSTInfo): the message imprint
 * is SHA-256 of `data`, the CMS signature verifies, and the signing certificate is a trust anchor or
 * chains to one at genTime. `nonce`, when given, must match.
 */
export async function checkTimestampToken(token: Uint8Array, data: Uint8Array, anchors: TrustAnchors, nonce?: bigint): Promise<TimestampCheck> {
  ensureEngine();
  const sha256Digest = createHash('sha256').update(data).digest();
  try {
    const asn1 = asn1js.fromBER(Uint8Array.from(token));
    if (asn1.offset === -1) return { ok: false, reason: 'token is not DER' };
    const ci = new pkijs.ContentInfo({ schema: asn1.result });
    if (ci.contentType !== ID_SIGNED_DATA) return { ok: false, reason: 'token is not CMS SignedData' };
    const signed = new pkijs.SignedData({ schema: ci.content });
    if (signed.encapContentInfo.eContentType !== ID_CT_TST_INFO || signed.encapContentInfo.eContent === undefined) {
      return { ok: false, reason: 'token does not encapsulate a TSTInfo' };
    }
    const tstBytes = signed.encapContentInfo.eContent.getValue();
    const tst = new pkijs.TSTInfo({ schema: asn1js.fromBER(tstBytes).result });
    if (tst.messageImprint.hashAlgorithm.algorithmId !== ID_SHA256) return { ok: false, reason: 'token imprint is not SHA-256' };
    if (!Buffer.from(tst.messageImprint.hashedMessage.valueBlock.valueHexView).equals(Buffer.from(sha256Digest))) {
      return { ok: false, reason: 'token imprint does not match the time-stamped data' };
    }
    if (nonce !== undefined && (tst.nonce === undefined || BigInt(`0x${Buffer.from(tst.nonce.valueBlock.valueHexView).toString('hex') || '0'}`) !== nonce)) {
      return { ok: false, reason: 'token nonce does not match the request' };
    }
    const genTime = tst.genTime.getTime();
    // The TSA may omit its certificate (certReq false): then the anchors must hold it.
    const anchorCerts = anchors.certificates.map((c) => pkijs.Certificate.fromBER(c.raw));
    signed.certificates = [...(signed.certificates ?? []), ...anchorCerts];
    const result = await signed.verify({ signer: 0, data: Uint8Array.from(data).buffer, checkChain: false, extendedMode: true });
    if (!result.signatureVerified || result.signerCertificate === undefined || result.signerCertificate === null) return { ok: false, reason: 'token signature does not verify' };
    const signer = new X509Certificate(Buffer.from(result.signerCertificate.toSchema().toBER(false)));
    const embedded = (signed.certificates ?? [])
      .filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate)
      .map((c) => new X509Certificate(Buffer.from(c.toSchema().toBER(false))))
      .filter((c) => c.fingerprint256 !== signer.fingerprint256);
    const chain = [signer, ...orderChain(signer, embedded)];
    const problem = checkChain(chain, anchors, genTime);
    if (problem !== undefined) return { ok: false, reason: `TSA certificate: ${problem}` };
    return { ok: true, genTime, tsa: signer.subject.replace(/\n/g, ', '), serial: Buffer.from(tst.serialNumber.valueBlock.valueHexView).toString('hex') };
  } catch (e) {
    return { ok: false, reason: `token cannot be parsed or verified (${e instanceof Error ? e.message : String(e)})` };
  }
}

/** Builds issuer order from a bag of certificates, stopping when no issuer is found. */
function orderChain(leaf: X509Certificate, bag: readonly X509Certificate[]): X509Certificate[] {
  const out: X509Certificate[] = [];
  let current = leaf;
  for (let i = 0; i < bag.length; i++) {
    const issuer = bag.find((c) => !out.includes(c) && c.ca && current.checkIssued(c) && c.fingerprint256 !== current.fingerprint256);
    if (issuer === undefined) break;
    out.push(issuer);
    current = issuer;
  }
  return out;
}
