/**
 * signer: adaptive batch signing per signing key over the pki Signer port, and the verifying side
 * (architecture §5, xroad-digest §3.6).
 */
export {
  BATCH_HASH_ALGORITHMS,
  SIGNATURE_ALGORITHMS,
  type BatchHashAlgorithm,
  type SignatureAlgorithm,
} from './algorithms.ts';
export { BatchSignatureError, type BatchSignatureErrorCode } from './errors.ts';
export {
  createBatchSigner,
  type BatchSignature,
  type BatchSigner,
  type BatchSignerMetrics,
  type BatchSignerOptions,
  type RootSigner,
  type ToBeSigned,
  type ToBeSignedContext,
} from './batch-signer.ts';
export {
  BATCH_JWS_TYPE,
  batchRootSigningInput,
  compactJws,
  decodeBatchJws,
  type BatchJwsHeader,
  type BatchRootPayload,
} from './jws.ts';
export {
  createBatchSignatureVerifier,
  type BatchSignatureClaim,
  type BatchSignatureVerifier,
  type VerifiedBatchSignature,
} from './batch-verifier.ts';
export { checkAlgorithmFitsKey, verifyJwsSignature } from './node-crypto.ts';
