/** Client proxy: the consumer side, X-Road REST r1 for information systems. */
export { buildClientProxy } from './client-proxy.ts';
export { RESPONSE_XROAD_HEADERS, firstHeader, headerPairs, lastHeader, toOutgoingHeaders, withoutHeaders } from './headers.ts';
