/** Message bodies taken in once: hashed as they arrive, in memory when small, spooled to disk when large. */
export { BodyError, type BodyErrorCode } from './errors.ts';
export { bodyFromBytes, createBodySpool, takeBody, type BodyFaults, type BodySpool, type BodySpoolOptions, type MessageBody } from './message-body.ts';
