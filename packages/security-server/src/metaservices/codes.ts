/**
 * The REST metaservices a provider's security server answers itself (pr-mrest §4-5). X-Road reserves these
 * service codes (7.7, XRDDEV-599): they are never forwarded to an information system and never listed.
 */
export const PROVIDER_METASERVICES = ['listMethods', 'allowedMethods', 'getOpenAPI'] as const;

export type ProviderMetaservice = (typeof PROVIDER_METASERVICES)[number];

/** The consumer-side metaservice, answered by the client proxy from the global configuration (pr-meta §2). */
export const LIST_CLIENTS = 'listClients';

const RESERVED: ReadonlySet<string> = new Set<string>(PROVIDER_METASERVICES);

/** Whether a service code names a provider-side metaservice (`listMethods`, `allowedMethods`, `getOpenAPI`). */
export function isMetaservice(serviceCode: string): serviceCode is ProviderMetaservice {
  return RESERVED.has(serviceCode);
}

/**
 * Whether a call is answered as a metaservice: X-Road's handler takes GET only
 * (`RestMetadataServiceHandlerImpl.canHandle`); any other method goes the normal way and meets no service.
 */
export function isMetaserviceCall(method: string, serviceCode: string): boolean {
  return method === 'GET' && isMetaservice(serviceCode);
}

/** The answer a metaservice produces in place of an information system's response. */
export interface MetaserviceAnswer {
  readonly status: number;
  readonly reason: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
}
