/** Trust checks over @tonle/pki: anchors, certificate paths, JWS and RFC 3161 tokens. */
export { loadTrustAnchors, parseCertificates, checkChain, anchorDers, pkiReason, type TrustAnchors } from './anchors.ts';
export { checkJws, type JwsCheck } from './jws.ts';
export { checkTimestampToken, type TimestampCheck } from './timestamp-token.ts';
