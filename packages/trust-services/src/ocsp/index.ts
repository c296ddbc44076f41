export { createOcspResponder, type OcspAnswer, type OcspResponder, type ResponderIdentity } from './responder.ts';
export { createOcspServer } from './ocsp-server.ts';
