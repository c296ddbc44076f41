import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  PkiError,
  buildOcspRequest,
  buildOcspResponse,
  buildTimeStampRequest,
  buildTimeStampResponse,
  createCsr,
  createSoftwareSigner,
  decodePemAll,
  loadPrivateKey,
  loadPublicKey,
  parseCertificate,
  parseCsr,
  parseOcspRequest,
  parseOcspResponse,
  parseTimeStampRequest,
  parseTimeStampResponse,
  signCompactJws,
  validateCertificatePath,
  verifyCompactJws,
  verifyOcspResponse,
  verifyTimeStampToken,
} from '@tonle/pki';
import { NOW, createThrowawayPki, type ThrowawayPki } from '../support/throwaway-pki.ts';

// Property: whatever bytes arrive, a parser returns or throws a PkiError; never another exception or a hang.
function onlyPkiErrors(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch (e) {
    if (PkiError.is(e)) return true;
    throw e;
  }
}

const RUNS = 250;

/** Random bytes, truncations, single-byte mutations and inserted bytes of a valid encoding. */
function mutationsOf(valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.uint8Array({ maxLength: 600 }),
    fc.nat({ max: valid.length - 1 }).map((n) => valid.slice(0, n)),
    fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 1, max: 255 })).map(([i, x]) => {
      const copy = new Uint8Array(valid);
      copy[i] = (copy[i] ?? 0) ^ x;
      return copy;
    }),
    fc.tuple(fc.nat({ max: valid.length }), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(
      ([i, extra]) => new Uint8Array([...valid.subarray(0, i), ...extra, ...valid.subarray(i)]),
    ),
    // A valid prefix with the outer length field pointing far beyond the data.
    fc.constant(new Uint8Array([0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, ...valid.subarray(2, 40)])),
  );
}

let pki: ThrowawayPki;
let samples: Record<string, Uint8Array>;
beforeAll(async () => {
  pki = await createThrowawayPki();
  const ocspReq = buildOcspRequest({ certificate: pki.sign.cert, issuer: pki.intermediate.cert, nonce: true });
  const tspReq = buildTimeStampRequest({ hashAlgorithm: 'SHA-256', data: new Uint8Array([1]), nonce: true });
  const parsedTsp = parseTimeStampRequest(tspReq.der);
  const tspResp = buildTimeStampResponse({
    tsaCertificate: pki.tsa.cert,
    privateKey: pki.tsa.key,
    policy: '1.2.3.4',
    serialNumber: 1n,
    genTime: NOW,
    hashAlgorithm: parsedTsp.hashAlgorithm,
    digest: parsedTsp.digest,
    nonce: parsedTsp.nonce!,
    includeCertificate: true,
  });
  samples = {
    certificate: pki.sign.cert,
    csr: createCsr({ privateKey: pki.sign.key, subject: [{ type: 'CN', value: 'fuzz' }] }),
    ocspRequest: ocspReq.der,
    ocspResponse: buildOcspResponse({
      responderCertificate: pki.ocsp.cert,
      privateKey: pki.ocsp.key,
      producedAt: NOW,
      responses: [{ certId: ocspReq.certId, status: 'revoked', revocationTime: NOW - 1000, revocationReason: 'superseded', thisUpdate: NOW }],
      nonce: ocspReq.nonce!,
      certificates: [pki.ocsp.cert],
    }),
    tspRequest: tspReq.der,
    tspResponse: tspResp,
    tspToken: parseTimeStampResponse(tspResp).token!,
    pkcs8: new Uint8Array(pki.sign.key.export({ format: 'der', type: 'pkcs8' })),
  };
});

describe('DER parsers never throw anything but PkiError (fast-check)', () => {
  const cases: [string, string, (b: Uint8Array) => unknown][] = [
    ['parseCertificate', 'certificate', (b) => parseCertificate(b)],
    ['validateCertificatePath', 'certificate', (b) => validateCertificatePath({ certificate: b, trustAnchors: [pki.root.cert], intermediates: [pki.intermediate.cert], at: NOW })],
    ['parseCsr', 'csr', (b) => parseCsr(b)],
    ['parseOcspRequest', 'ocspRequest', (b) => parseOcspRequest(b)],
    ['parseOcspResponse', 'ocspResponse', (b) => parseOcspResponse(b)],
    [
      'verifyOcspResponse',
      'ocspResponse',
      (b) => verifyOcspResponse({ response: b, certificate: pki.sign.cert, issuer: pki.intermediate.cert, at: NOW, maxAgeMs: 60_000 }),
    ],
    ['parseTimeStampRequest', 'tspRequest', (b) => parseTimeStampRequest(b)],
    ['parseTimeStampResponse', 'tspResponse', (b) => parseTimeStampResponse(b)],
    ['verifyTimeStampToken', 'tspToken', (b) => verifyTimeStampToken({ token: b, data: new Uint8Array([1]), trustedTsaCertificates: [pki.tsa.cert] })],
    ['loadPrivateKey', 'pkcs8', (b) => loadPrivateKey(b)],
    ['loadPrivateKey with PIN', 'pkcs8', (b) => loadPrivateKey(b, { pin: '1234' })],
    ['loadPublicKey', 'certificate', (b) => loadPublicKey(b)],
  ];
  it.each(cases)('%s', (_name, sample, parse) => {
    fc.assert(fc.property(mutationsOf(samples[sample] as Uint8Array), (bytes) => onlyPkiErrors(() => parse(bytes))), { numRuns: RUNS });
  });

  it('the unmodified samples parse (so the properties above are not vacuous)', () => {
    expect(parseCertificate(samples['certificate']!).serialNumber).toBeTruthy();
    expect(parseCsr(samples['csr']!).subject).toHaveLength(1);
    expect(parseOcspRequest(samples['ocspRequest']!).certIds).toHaveLength(1);
    expect(parseOcspResponse(samples['ocspResponse']!).responses[0]?.status).toBe('revoked');
    expect(parseTimeStampRequest(samples['tspRequest']!).hashAlgorithm).toBe('SHA-256');
    expect(verifyTimeStampToken({ token: samples['tspToken']!, data: new Uint8Array([1]), trustedTsaCertificates: [pki.tsa.cert] }).serialNumber).toBe(1n);
  });

  it('PEM decoding and compact JWS verification take arbitrary text', async () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) =>
        onlyPkiErrors(() => decodePemAll(`-----BEGIN CERTIFICATE-----\n${text}\n-----END CERTIFICATE-----`, 'CERTIFICATE')),
      ),
      { numRuns: RUNS },
    );
    const jws = await signCompactJws({ payload: 'p', signer: createSoftwareSigner({ privateKey: pki.sign.key, certificateChain: [pki.sign.cert, pki.intermediate.cert] }) });
    const mutated = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.nat({ max: jws.length - 1 }).map((n) => jws.slice(0, n)),
      fc.tuple(fc.nat({ max: jws.length - 1 }), fc.constantFrom('A', '.', '_', '-', '=', '+', '/', '{')).map(([i, c]) => jws.slice(0, i) + c + jws.slice(i + 1)),
    );
    fc.assert(
      fc.property(mutated, (text) => onlyPkiErrors(() => verifyCompactJws(text, { algorithms: ['ES256'], trustAnchors: [pki.root.cert], at: NOW }))),
      { numRuns: RUNS },
    );
  });
});
