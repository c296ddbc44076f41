export { encodePem, decodePem, decodePemAll, pemLabels, toDer } from './pem.ts';
