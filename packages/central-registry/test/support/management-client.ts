import { randomUUID } from 'node:crypto';
import { buildOcspRequest } from '@tonle/pki';
import { signManagementRequest, type ManagementRequestPayload } from '@tonle/protocol';
import type { TestCertificate, TestPki } from '@tonle/test-kit';

/** Asks the test PKI's real OCSP responder about a certificate, as a security server would. */
export async function fetchOcsp(pki: TestPki, cert: TestCertificate): Promise<Uint8Array> {
  const request = buildOcspRequest({ certificate: cert.certificate, issuer: pki.caCertificate });
  const response = await fetch(pki.ocspUrl, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: request.der });
  if (response.status !== 200) throw new Error(`OCSP responder answered ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

type PayloadInput = Omit<ManagementRequestPayload, 'requestId' | 'createdAt' | 'instance'> & Partial<Pick<ManagementRequestPayload, 'requestId' | 'createdAt' | 'instance'>>;

/** Builds a signed envelope for `payload`, signed by `signer` (with a fresh OCSP response) and, for authCertReg, `auth`. */
export async function signedRequest(pki: TestPki, signer: TestCertificate, input: PayloadInput, options: { auth?: TestCertificate; now?: number; ocsp?: Uint8Array } = {}) {
  const payload: ManagementRequestPayload = {
    requestId: randomUUID(),
    createdAt: new Date(options.now ?? Date.now()).toISOString(),
    instance: pki.instance,
    ...input,
  };
  return signManagementRequest({
    payload,
    signingKey: { alg: 'ES256', privateKey: signer.privateKey },
    certificateChain: signer.chain,
    ocspResponse: options.ocsp ?? (await fetchOcsp(pki, signer)),
    ...(options.auth === undefined ? {} : { authKey: { alg: 'ES256' as const, privateKey: options.auth.privateKey } }),
  });
}
