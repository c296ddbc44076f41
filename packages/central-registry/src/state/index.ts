export * from './types.ts';
export * from './operations.ts';
export { parseState, serializeState } from './codec.ts';
