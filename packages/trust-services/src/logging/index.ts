export { createTrustLogger, redactedPaths } from './logger.ts';
