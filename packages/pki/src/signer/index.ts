export {
  createSoftwareSigner,
  verifySignature,
  defaultJwsAlgorithm,
  assertKeyFitsAlgorithm,
  JWS_ALGORITHMS,
  type Signer,
  type JwsAlgorithm,
  type SoftwareSignerOptions,
  type VerifySignatureOptions,
} from './signer.ts';
