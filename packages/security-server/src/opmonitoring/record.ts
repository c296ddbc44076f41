/**
 * X-Road's operational monitoring record (pr-opmon, xroad-digest §9): the same field names, so tools
 * written for X-Road's `getSecurityServerOperationalData` JSON read Tonle's records unchanged.
 * Timestamps are epoch milliseconds, except `monitoringDataTs` which X-Road gives in seconds.
 */
export interface OperationalRecord {
  readonly monitoringDataTs: number;
  readonly securityServerInternalIp?: string;
  readonly securityServerType: 'Client' | 'Producer';
  readonly requestInTs?: number;
  readonly requestOutTs?: number;
  readonly responseInTs?: number;
  readonly responseOutTs?: number;
  readonly clientXRoadInstance?: string;
  readonly clientMemberClass?: string;
  readonly clientMemberCode?: string;
  readonly clientSubsystemCode?: string;
  readonly serviceXRoadInstance?: string;
  readonly serviceMemberClass?: string;
  readonly serviceMemberCode?: string;
  readonly serviceSubsystemCode?: string;
  readonly serviceCode?: string;
  readonly restMethod?: string;
  readonly restPath?: string;
  readonly serviceVersion?: string;
  readonly representedPartyClass?: string;
  readonly representedPartyCode?: string;
  readonly messageId?: string;
  readonly messageUserId?: string;
  readonly messageIssue?: string;
  readonly messageProtocolVersion?: string;
  readonly clientSecurityServerAddress?: string;
  readonly serviceSecurityServerAddress?: string;
  readonly requestSize?: number;
  readonly requestMimeSize?: number;
  readonly requestAttachmentCount?: number;
  readonly responseSize?: number;
  readonly responseMimeSize?: number;
  readonly responseAttachmentCount?: number;
  readonly succeeded: boolean;
  readonly serviceType?: string;
  readonly faultCode?: string;
  readonly faultString?: string;
  readonly statusCode?: number;
  readonly xRoadVersion?: string;
  readonly xRequestId?: string;
}

/** What a proxy hands in; `monitoringDataTs` is set when the record is stored. */
export type OperationalRecordInput = Omit<OperationalRecord, 'monitoringDataTs'>;

const STRING_FIELDS = [
  'securityServerInternalIp', 'clientXRoadInstance', 'clientMemberClass', 'clientMemberCode', 'clientSubsystemCode',
  'serviceXRoadInstance', 'serviceMemberClass', 'serviceMemberCode', 'serviceSubsystemCode', 'serviceCode', 'restMethod',
  'restPath', 'serviceVersion', 'representedPartyClass', 'representedPartyCode', 'messageId', 'messageUserId', 'messageIssue',
  'messageProtocolVersion', 'clientSecurityServerAddress', 'serviceSecurityServerAddress', 'serviceType', 'faultCode',
  'faultString', 'xRoadVersion', 'xRequestId',
] as const;
const NUMBER_FIELDS = [
  'requestInTs', 'requestOutTs', 'responseInTs', 'responseOutTs', 'requestSize', 'requestMimeSize', 'requestAttachmentCount',
  'responseSize', 'responseMimeSize', 'responseAttachmentCount', 'statusCode',
] as const;
export const OPERATIONAL_FIELDS: readonly string[] = ['monitoringDataTs', 'securityServerType', 'succeeded', ...STRING_FIELDS, ...NUMBER_FIELDS];

/** Returns the problems of a record input (empty when valid). Unknown fields are problems too. */
/** Fields a caller may give (`monitoringDataTs` is the store's): a Set, since this runs once per exchange. */
const INPUT_FIELDS: ReadonlySet<string> = new Set(OPERATIONAL_FIELDS.filter((f) => f !== 'monitoringDataTs'));

export function operationalRecordProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['record must be an object'];
  const r = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const k of Object.keys(r)) if (!INPUT_FIELDS.has(k)) problems.push(`unknown field ${k}`);
  if (r['securityServerType'] !== 'Client' && r['securityServerType'] !== 'Producer') problems.push('securityServerType must be Client or Producer');
  if (typeof r['succeeded'] !== 'boolean') problems.push('succeeded must be a boolean');
  for (const f of STRING_FIELDS) if (r[f] !== undefined && (typeof r[f] !== 'string' || (r[f] as string).length > 4096)) problems.push(`${f} must be a string of at most 4096 characters`);
  for (const f of NUMBER_FIELDS) if (r[f] !== undefined && (typeof r[f] !== 'number' || !Number.isFinite(r[f]) || (r[f] as number) < 0)) problems.push(`${f} must be a non-negative number`);
  return problems;
}
