/** token: the PIN-protected software token holding the security server's private keys (xroad-digest §5). */
export { TokenError, type TokenErrorCode } from './errors.ts';
export {
  createSoftwareToken,
  TOKEN_KEY_SPECS,
  type SoftwareToken,
  type SoftwareTokenOptions,
  type TokenKeyInfo,
  type TokenKeySpec,
  type TokenSignatureAlgorithm,
  type TokenStatus,
} from './software-token.ts';
