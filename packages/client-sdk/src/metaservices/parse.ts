import {
  memberId,
  serviceId,
  subsystemId,
  type ClientId,
  type IdentifierValidation,
  type ServiceId,
} from '@tonle/protocol';
import { InvalidResponseError } from '../errors/index.ts';

/**
 * One member or subsystem of the instance, as `listClients` lists it (xroad-digest 2.9).
 *
 * @example
 * ```ts
 * for (const { id, name } of await client.listClients()) console.log(describeId(id), name);
 * ```
 */
export interface ListedClient {
  readonly id: ClientId;
  /** The member's name from the global configuration. */
  readonly name: string;
  /** The subsystem's name, when the security server gives one. */
  readonly subsystemName: string | undefined;
}

/**
 * One endpoint of a REST service: a method (or `*`) and a path (may hold `*` / `**` wildcards).
 *
 * @example
 * ```ts
 * const [persons] = await client.listMethods('EE/GOV/70000001/population');
 * persons?.endpoints.forEach(({ method, path }) => console.log(method, path));
 * ```
 */
export interface ServiceEndpoint {
  readonly method: string;
  readonly path: string;
}

/**
 * The kinds of service X-Road's metaservices report.
 *
 * @example
 * ```ts
 * const openapiServices = (await client.listMethods(provider)).filter((s) => s.serviceType === 'OPENAPI');
 * ```
 */
export type ServiceType = 'OPENAPI' | 'REST' | 'WSDL';

/**
 * One service of a provider, as `listMethods` / `allowedMethods` describe it (pr-mrest).
 *
 * @example
 * ```ts
 * const allowed: readonly ServiceDescription[] = await client.allowedMethods('EE/GOV/70000001/population');
 * allowed.map((s) => s.id.serviceCode);
 * ```
 */
export interface ServiceDescription {
  readonly id: ServiceId;
  readonly serviceType: ServiceType;
  readonly endpoints: readonly ServiceEndpoint[];
}

type Json = Readonly<Record<string, unknown>>;

function fail(what: string, where: string): never {
  throw new InvalidResponseError(`Malformed metaservice answer: ${what} at ${where}`);
}

function object(value: unknown, where: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('expected an object', where);
  return value as Json;
}

function array(value: unknown, where: string): readonly unknown[] {
  if (!Array.isArray(value)) fail('expected an array', where);
  return value;
}

function string(value: unknown, where: string): string {
  if (typeof value !== 'string') fail('expected a string', where);
  return value;
}

function optionalString(value: unknown, where: string): string | undefined {
  return value === undefined || value === null ? undefined : string(value, where);
}

function identifier<T>(build: () => T, where: string): T {
  try {
    return build();
  } catch (error) {
    throw new InvalidResponseError(`Malformed metaservice answer: invalid identifier at ${where}`, undefined, { cause: error });
  }
}

/**
 * Parses X-Road's `listClients` JSON: `{"member":[{"id":{...},"name":...,"subsystem_name"?:...}]}`.
 *
 * @example
 * ```ts
 * const clients = parseListClients(JSON.parse(text));
 * clients[0]?.id; // { type: 'MEMBER', instance: 'EE', ... }
 * ```
 */
export function parseListClients(value: unknown, validation: IdentifierValidation = 'lenient'): readonly ListedClient[] {
  const members = array(object(value, '$')['member'] ?? [], '$.member');
  return Object.freeze(
    members.map((entry, i): ListedClient => {
      const where = `$.member[${i}]`;
      const item = object(entry, where);
      const id = object(item['id'], `${where}.id`);
      const type = string(id['object_type'], `${where}.id.object_type`);
      const instance = string(id['xroad_instance'], `${where}.id.xroad_instance`);
      const memberClass = string(id['member_class'], `${where}.id.member_class`);
      const memberCode = string(id['member_code'], `${where}.id.member_code`);
      let clientId: ClientId;
      if (type === 'MEMBER') {
        clientId = identifier(() => memberId(instance, memberClass, memberCode, { validation }), `${where}.id`);
      } else if (type === 'SUBSYSTEM') {
        const subsystemCode = string(id['subsystem_code'], `${where}.id.subsystem_code`);
        clientId = identifier(() => subsystemId(instance, memberClass, memberCode, subsystemCode, { validation }), `${where}.id`);
      } else {
        fail(`object_type ${JSON.stringify(type)} is neither MEMBER nor SUBSYSTEM`, `${where}.id.object_type`);
      }
      return Object.freeze({
        id: clientId,
        name: string(item['name'], `${where}.name`),
        subsystemName: optionalString(item['subsystem_name'], `${where}.subsystem_name`),
      });
    }),
  );
}

const SERVICE_TYPES: ReadonlySet<string> = new Set(['OPENAPI', 'REST', 'WSDL']);

/**
 * Parses X-Road's `listMethods` / `allowedMethods` JSON:
 * `{"service":[{"xroad_instance",...,"service_code","service_type","endpoint_list":[{"method","path"}]}]}`.
 *
 * @example
 * ```ts
 * const services = parseServiceList(JSON.parse(text));
 * services[0]?.endpoints; // [{ method: 'GET', path: '/persons/{id}' }]
 * ```
 */
export function parseServiceList(value: unknown, validation: IdentifierValidation = 'lenient'): readonly ServiceDescription[] {
  const services = array(object(value, '$')['service'] ?? [], '$.service');
  return Object.freeze(
    services.map((entry, i): ServiceDescription => {
      const where = `$.service[${i}]`;
      const item = object(entry, where);
      if (item['object_type'] !== undefined && item['object_type'] !== 'SERVICE') {
        fail('object_type must be SERVICE', `${where}.object_type`);
      }
      const instance = string(item['xroad_instance'], `${where}.xroad_instance`);
      const memberClass = string(item['member_class'], `${where}.member_class`);
      const memberCode = string(item['member_code'], `${where}.member_code`);
      const subsystemCode = string(item['subsystem_code'], `${where}.subsystem_code`);
      const serviceCode = string(item['service_code'], `${where}.service_code`);
      const serviceType = string(item['service_type'], `${where}.service_type`);
      if (!SERVICE_TYPES.has(serviceType)) fail(`unknown service_type ${JSON.stringify(serviceType)}`, `${where}.service_type`);
      const endpoints = array(item['endpoint_list'] ?? [], `${where}.endpoint_list`).map((e, j): ServiceEndpoint => {
        const endpoint = object(e, `${where}.endpoint_list[${j}]`);
        return Object.freeze({
          method: string(endpoint['method'], `${where}.endpoint_list[${j}].method`),
          path: string(endpoint['path'], `${where}.endpoint_list[${j}].path`),
        });
      });
      return Object.freeze({
        id: identifier(() => serviceId(instance, memberClass, memberCode, subsystemCode, serviceCode, { validation }), where),
        serviceType: serviceType as ServiceType,
        endpoints: Object.freeze(endpoints),
      });
    }),
  );
}
