export { createTimeStampAuthority, type TimeStampAuthority, type TimeStampFailure, type TsaIdentity } from './authority.ts';
export { createTsaServer } from './tsa-server.ts';
