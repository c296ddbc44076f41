/** ocsp: fresh OCSP responses for this server's own certificates, and verification of peers' stapled ones. */
export { OcspError, type OcspErrorCode } from './errors.ts';
export { createMemoryOcspCache, createRedisOcspCache, type CachedOcspResponse, type OcspCache } from './cache.ts';
export {
  createOcspService,
  type OcspFetch,
  type OcspGlobalConf,
  type OcspLog,
  type OcspService,
  type OcspServiceOptions,
  type OcspTimers,
  type OcspVerdict,
} from './ocsp-service.ts';
