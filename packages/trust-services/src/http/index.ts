export { createBinaryServer } from './binary-server.ts';
