/**
 * @tonle/protocol: the runtime-neutral contracts shared by the security server, the central registry
 * and the client SDK. It never imports node:* and never depends on another workspace package.
 */
export const PROTOCOL_VERSION = 'r1';
export { systemClock, type Clock } from './clock/index.ts';
export * from './identifiers/index.ts';
export * from './headers/index.ts';
export * from './faults/index.ts';
export * from './rest-message/index.ts';
export * from './merkle/index.ts';
export * from './global-conf/index.ts';
