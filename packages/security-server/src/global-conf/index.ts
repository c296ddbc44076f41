/**
 * global-conf: the security server's configuration holder over protocol's global configuration client
 * (download, verify, disk cache, polling with back-off) and the read model the proxies query.
 */
export {
  createGlobalConfHolder,
  type GlobalConfHolder,
  type GlobalConfHolderOptions,
  type GlobalConfLog,
  type GlobalConfState,
  type GlobalConfStatus,
  type Timers,
} from './holder.ts';
export { createFileGlobalConfCache } from './file-cache.ts';
export {
  createGlobalConfView,
  type ApprovedCaInfo,
  type ApprovedTsaInfo,
  type GlobalConfClientInfo,
  type GlobalConfView,
  type OcspResponderInfo,
  type SecurityServerInfo,
} from './view.ts';
