export {
  parseListClients,
  parseServiceList,
  type ListedClient,
  type ServiceDescription,
  type ServiceEndpoint,
  type ServiceType,
} from './parse.ts';
