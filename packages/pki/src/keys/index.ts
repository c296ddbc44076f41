export {
  generateKeyPair,
  exportPrivateKeyPem,
  loadPrivateKey,
  exportPublicKeyPem,
  exportSpki,
  loadPublicKey,
  type KeySpec,
  type KeyPair,
} from './key-pair.ts';
export {
  OID,
  digest,
  hashOid,
  hashLength,
  hashFromOid,
  schemeForKey,
  type HashAlgorithm,
  type X509SignatureScheme,
} from './algorithms.ts';
export { signX509, verifyX509, algorithmIdentifier } from './x509-signature.ts';
