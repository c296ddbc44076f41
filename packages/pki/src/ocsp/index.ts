export { certIdMatchesIssuer, type OcspCertId, type CertIdHashAlgorithm } from './cert-id.ts';
export {
  buildOcspRequest,
  parseOcspRequest,
  type BuildOcspRequestOptions,
  type BuiltOcspRequest,
  type ParsedOcspRequest,
} from './ocsp-request.ts';
export {
  buildOcspResponse,
  buildOcspErrorResponse,
  parseOcspResponse,
  verifyOcspResponse,
  assertOcspGood,
  REVOCATION_REASONS,
  type RevocationReason,
  type OcspResponseStatus,
  type OcspCertStatus,
  type OcspSingleResponseInput,
  type BuildOcspResponseOptions,
  type OcspSingleResponse,
  type ParsedOcspResponse,
  type OcspVerification,
  type VerifyOcspResponseOptions,
} from './ocsp-response.ts';
