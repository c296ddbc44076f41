/**
 * metaservices: X-Road's REST metaservices with X-Road's paths and JSON shapes (pr-meta, pr-mrest).
 * `listClients` is answered by the client proxy from the global configuration; `listMethods`,
 * `allowedMethods` and `getOpenAPI` travel as signed, logged messages and are answered by the provider's
 * server proxy from its local configuration instead of an information system.
 */
export {
  LIST_CLIENTS,
  PROVIDER_METASERVICES,
  isMetaservice,
  isMetaserviceCall,
  type MetaserviceAnswer,
  type ProviderMetaservice,
} from './codes.ts';
export { answerProviderMetaservice, type ProviderMetaserviceRequest } from './provider.ts';
export { answerListClients, type ClientDirectory, type ListClientsRequest } from './list-clients.ts';
export { allowedMethods, listMethods, type RestEndpointJson, type RestServiceJson, type RestServiceListJson } from './service-list.ts';
