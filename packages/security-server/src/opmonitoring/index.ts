/** opmonitoring: X-Road operational monitoring records, stored and queryable by time range with paging (xroad-digest §9). */
export { OpMonitoringError, type OpMonitoringErrorCode } from './errors.ts';
export { OPERATIONAL_FIELDS, operationalRecordProblems, type OperationalRecord, type OperationalRecordInput } from './record.ts';
export {
  createOperationalMonitoringStore,
  type OperationalMonitoringStore,
  type OperationalPage,
  type OperationalQuery,
  type StoredOperationalRecord,
} from './store.ts';
