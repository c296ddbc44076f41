/**
 * The test vectors of docs/protocol.md, recomputed from their fixed inputs. The signing key is the
 * Ed25519 example key of RFC 8037 Appendix A.1 (published, not a secret); Ed25519 signatures are
 * deterministic, so every byte below is reproducible by another implementation.
 */
import { createHash, createPrivateKey } from 'node:crypto';
import { computeRequestHash, inclusionProof, merkleLeafHash, merkleRoot } from '@tonle/protocol';
import {
  createKeyObjectSigner,
  createSingleMessageSigner,
  encodeBatchPayload,
  encodeDescriptor,
  headerFor,
  requestHeaderPart,
  responseHeaderPart,
  sealRequest,
  signingInput,
  type RequestDescriptor,
} from '../../src/transport/index.ts';

export const RFC8037_KEY = { kty: 'OKP', crv: 'Ed25519', d: 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' } as const;
/** A self-signed certificate over the RFC 8037 key, subject C=EE, O=GOV, CN=1111 (ejbca profile: member EE/GOV/1111). */
export const VECTOR_CERT_B64 =
  'MIIBVjCCAQigAwIBAgIBATAFBgMrZXAwKjELMAkGA1UEBhMCRUUxDDAKBgNVBAoMA0dPVjENMAsGA1UEAwwEMTExMTAeFw0yNjExMjkyMTQyMjVaFw0zNjExMjYyMTQyMjVaMCoxCzAJBgNVBAYTAkVFMQwwCgYDVQQKDANHT1YxDTALBgNVBAMMBDExMTEwKjAFBgMrZXADIQDXWpgBgrEKt9VL/tPJZAc6DuFy89qmIyWvAhpo9wdRGqNTMFEwHQYDVR0OBBYEFFsnqlWJF5dw5HV1sWKh3tl7i/xtMB8GA1UdIwQYMBaAFFsnqlWJF5dw5HV1sWKh3tl7i/xtMA8GA1UdEwEB/wQFMAMBAf8wBQYDK2VwA0EAT3Rwd4ZyF5nx3PCmGKry/8SrbI/o0qlvvwh3l6+WMdMJV444AqVhAOkcmligE946yuk06wbUl/yN4PkA4JurDA==';

const sha512 = (d: Uint8Array) => new Uint8Array(createHash('sha512').update(d).digest());
const b64url = (d: Uint8Array) => Buffer.from(d).toString('base64url');
const text = (d: Uint8Array) => Buffer.from(d).toString('utf8');

export const REQUEST_INPUT = {
  method: 'POST',
  target: '/r1/EE/GOV/2222/provider/echo/items?x=1',
  headers: [
    ['Content-Type', 'text/plain'],
    ['X-Road-Client', 'EE/GOV/1111/consumer'],
    ['X-Road-Id', 'EE-00000000-0000-4000-8000-000000000001'],
    ['X-Road-Request-Id', '00000000-0000-4000-8000-000000000002'],
  ] as [string, string][],
  body: 'hello',
  signedAt: 1_800_000_000_000,
};

/** Every vector, by the name it has in docs/protocol.md. */
export async function computeVectors(): Promise<Record<string, string>> {
  const privateKey = createPrivateKey({ key: RFC8037_KEY, format: 'jwk' });
  const cert = new Uint8Array(Buffer.from(VECTOR_CERT_B64, 'base64'));
  const bytes = createKeyObjectSigner({ privateKey, certificateChain: [cert], algorithm: 'EdDSA' });
  const body = new Uint8Array(Buffer.from(REQUEST_INPUT.body, 'utf8'));
  const headerPart = requestHeaderPart(REQUEST_INPUT.method, REQUEST_INPUT.target, REQUEST_INPUT.headers);
  const descriptor: RequestDescriptor = {
    v: 'tonle-transport-v1', kind: 'request', messageId: 'EE-00000000-0000-4000-8000-000000000001', requestId: '00000000-0000-4000-8000-000000000002',
    client: 'EE/GOV/1111/consumer', service: 'EE/GOV/2222/provider/echo', method: REQUEST_INPUT.method, path: REQUEST_INPUT.target,
    headerDigest: b64url(sha512(headerPart)), bodyDigest: b64url(sha512(body)), digestAlgorithm: 'SHA-512', signedAt: REQUEST_INPUT.signedAt,
  };
  const descriptorBytes = encodeDescriptor(descriptor);
  const sealed = await sealRequest({
    signer: createSingleMessageSigner(bytes), ocsp: [], headers: REQUEST_INPUT.headers, body, messageId: descriptor.messageId, requestId: descriptor.requestId,
    client: descriptor.client, service: descriptor.service, method: descriptor.method, target: descriptor.path, signedAt: descriptor.signedAt,
  });
  const envelopeLength = sealed.frame.readUInt32BE(0);
  const requestHash = computeRequestHash(sha512, headerPart, sha512(body));
  const responseHeaders: [string, string][] = [['Content-Type', 'text/plain'], ['X-Road-Request-Hash', requestHash]];
  const leaves = ['a', 'b', 'c'].map((s) => merkleLeafHash(sha512, new Uint8Array(Buffer.from(s))));
  const root = merkleRoot(sha512, leaves);
  return {
    'request-header-part': JSON.stringify(text(headerPart)),
    'request-header-digest': descriptor.headerDigest,
    'request-body-digest': descriptor.bodyDigest,
    'request-descriptor': text(descriptorBytes),
    'jws-protected-header': text(new Uint8Array(Buffer.from((sealed.jws.split('.')[0]) as string, 'base64url'))),
    'jws-signing-input-sha256': createHash('sha256').update(signingInput(headerFor(bytes), descriptorBytes)).digest('hex'),
    'jws-signature': sealed.jws.split('.')[2] as string,
    'frame-envelope-length': String(envelopeLength),
    'frame-envelope': sealed.frame.subarray(4, 4 + envelopeLength).toString('utf8'),
    'request-hash': requestHash,
    'response-header-part': JSON.stringify(text(responseHeaderPart(200, 'OK', responseHeaders))),
    'batch-leaf-hashes': leaves.map(b64url).join('\n'),
    'batch-root': b64url(root),
    'batch-proof-index-1': inclusionProof(sha512, leaves, 1).map(b64url).join('\n'),
    'batch-payload': text(encodeBatchPayload(root, 3, REQUEST_INPUT.signedAt)),
  };
}
