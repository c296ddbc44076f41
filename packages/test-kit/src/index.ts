/**
 * @tonle/test-kit: private helpers for Tonle's tests (a devDependency only, never imported by src/).
 * The PKI factory `createTestPki()` gives a throwaway CA, OCSP responder and TSA on real sockets.
 */
export { createTestPki, type CreateTestPkiOptions, type TestCertificate, type TestMember, type TestPki, type TestServer } from './pki/index.ts';
