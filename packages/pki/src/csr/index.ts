export { createCsr, parseCsr, type CreateCsrOptions, type CsrInfo } from './csr.ts';
