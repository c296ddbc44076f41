export { createTestPki, type CreateTestPkiOptions, type TestCertificate, type TestMember, type TestPki, type TestServer } from './test-pki.ts';
