export {
  signCompactJws,
  verifyCompactJws,
  type SignCompactJwsOptions,
  type VerifyCompactJwsOptions,
  type VerifiedCompactJws,
} from './compact-jws.ts';
