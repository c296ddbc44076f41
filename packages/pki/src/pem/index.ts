export { encodePem, decodePem, decodePemAll, toDer } from './pem.ts';
