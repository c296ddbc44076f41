import { AccessControlError, validatePathGlob } from '../access-control/index.ts';
import type { Endpoint } from '../server-conf/index.ts';
import { OpenApiError, pointerOf } from './errors.ts';
import { parseDescriptionText, type OpenApiFormat } from './parse.ts';

/** What Tonle uses of an OpenAPI 3.0/3.1 description. */
export interface OpenApiDescription {
  readonly format: OpenApiFormat;
  /** The text as received (stored verbatim, returned by getOpenAPI). */
  readonly text: string;
  /** The `openapi` field, e.g. `3.1.0`. */
  readonly openapi: string;
  readonly title: string;
  /** `info.version`: the API's own version. */
  readonly apiVersion: string;
  /** `servers[].url` with every `{variable}` replaced by its default (may be relative). */
  readonly servers: readonly string[];
  /** One endpoint per path and operation, in document order: `{id}` templates become `*` (one segment). */
  readonly endpoints: readonly Endpoint[];
}

export interface ParseOpenApiOptions {
  /** Refuse larger documents before parsing (default 4 MiB). */
  readonly maxBytes?: number;
}

type Obj = Record<string, unknown>;
type Where = readonly (string | number)[];

// OpenAPI 3.0.3 / 3.1.0 §4.8.9: the fixed fields of a Path Item Object.
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const PATH_ITEM_FIELDS = new Set<string>(['$ref', 'summary', 'description', 'servers', 'parameters', ...METHODS]);
const PARAMETER_LOCATIONS = new Set(['query', 'header', 'path', 'cookie']);
/** server-conf keeps at most this many endpoints per service. */
const MAX_ENDPOINTS = 10_000;
const MAX_REF_HOPS = 16;

function invalid(where: Where, message: string, code: 'TONLE_ERR_OPENAPI_INVALID' | 'TONLE_ERR_OPENAPI_UNSUPPORTED_REF' = 'TONLE_ERR_OPENAPI_INVALID'): never {
  const pointer = pointerOf(where);
  throw new OpenApiError(code, `${pointer === '' ? '(document)' : pointer}: ${message}`, { pointer });
}

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function obj(value: unknown, where: Where, what: string): Obj {
  if (!isObj(value)) invalid(where, `${what} must be an object`);
  return value;
}

function text(value: unknown, where: Where, what: string): string {
  if (typeof value !== 'string') invalid(where, `${what} must be a string`);
  return value;
}

function own(o: Obj, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

function checkVersion(root: Obj): string {
  if (own(root, 'swagger') !== undefined) {
    throw new OpenApiError(
      'TONLE_ERR_OPENAPI_UNSUPPORTED_VERSION',
      '/swagger: this is a Swagger (OpenAPI 2.0) description; convert it to OpenAPI 3.0 or 3.1 first (e.g. with swagger2openapi).',
      { pointer: '/swagger' },
    );
  }
  const version = own(root, 'openapi');
  if (typeof version !== 'string' || !/^3\.[01]\.\d{1,4}$/.test(version)) {
    throw new OpenApiError(
      'TONLE_ERR_OPENAPI_UNSUPPORTED_VERSION',
      `/openapi: ${version === undefined ? 'missing' : JSON.stringify(version).slice(0, 40)}; Tonle accepts OpenAPI 3.0.x and 3.1.x descriptions ("openapi": "3.0.3" or "3.1.0").`,
      { pointer: '/openapi' },
    );
  }
  return version;
}

/** RFC 6570-style `{name}` expressions of a server URL (OpenAPI §4.8.5) replaced by the variables' defaults. */
function serverUrls(root: Obj, is31: boolean): string[] {
  const servers = own(root, 'servers');
  if (servers === undefined) return [];
  if (!Array.isArray(servers)) invalid(['servers'], 'servers must be an array');
  return servers.map((s, i) => {
    const server = obj(s, ['servers', i], 'a server');
    const url = text(own(server, 'url'), ['servers', i, 'url'], 'url');
    const varsValue = own(server, 'variables');
    const vars = varsValue === undefined ? {} : obj(varsValue, ['servers', i, 'variables'], 'variables');
    const defaults = new Map<string, string>();
    for (const [name, v] of Object.entries(vars)) {
      const where = ['servers', i, 'variables', name];
      const variable = obj(v, where, 'a server variable');
      const def = text(own(variable, 'default'), [...where, 'default'], 'default');
      const options = own(variable, 'enum');
      if (options !== undefined) {
        if (!Array.isArray(options) || options.length === 0 || !options.every((x) => typeof x === 'string')) {
          invalid([...where, 'enum'], 'enum must be a non-empty array of strings');
        }
        // 3.1 §4.8.6: the default MUST be in the enum (3.0 says SHOULD; we are strict only where the spec is).
        if (is31 && !options.includes(def)) invalid([...where, 'default'], 'the default must be one of the enum values');
      }
      defaults.set(name, def);
    }
    return url.replace(/\{([^{}]*)\}/g, (_m, name: string) => {
      const value = defaults.get(name);
      if (value === undefined) invalid(['servers', i, 'url'], `the variable {${name}} is not defined in variables`);
      return value;
    });
  });
}

function resolveLocal(root: Obj, ref: string, where: Where): unknown {
  if (!ref.startsWith('#/') && ref !== '#') {
    invalid(where, `only references inside the document ("#/...") are followed, not ${JSON.stringify(ref).slice(0, 80)}; inline the referenced part`, 'TONLE_ERR_OPENAPI_UNSUPPORTED_REF');
  }
  if (ref === '#') return root;
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    let token: string;
    try {
      token = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    } catch {
      invalid(where, 'the reference is not a valid JSON pointer', 'TONLE_ERR_OPENAPI_UNSUPPORTED_REF');
    }
    if (!isObj(node) && !Array.isArray(node)) invalid(where, `the reference ${ref.slice(0, 80)} does not exist`, 'TONLE_ERR_OPENAPI_UNSUPPORTED_REF');
    node = Object.hasOwn(node, token) ? (node as Obj)[token] : undefined;
    if (node === undefined) invalid(where, `the reference ${ref.slice(0, 80)} does not exist`, 'TONLE_ERR_OPENAPI_UNSUPPORTED_REF');
  }
  return node;
}

/** A Path Item may be a `$ref` (3.1: e.g. to #/components/pathItems/x); local references are followed. */
function pathItem(root: Obj, value: unknown, where: Where): Obj {
  const item = obj(value, where, 'a path item');
  if (own(item, '$ref') === undefined) return item;
  const refWhere = [...where, '$ref'];
  let target: Obj = item;
  for (let hops = 0; own(target, '$ref') !== undefined; hops++) {
    if (hops >= MAX_REF_HOPS) invalid(refWhere, `the path item references form a loop or a chain longer than ${MAX_REF_HOPS}`);
    const ref = text(own(target, '$ref'), refWhere, '$ref');
    target = obj(resolveLocal(root, ref, refWhere), refWhere, 'the referenced path item');
  }
  // Fields beside the $ref override the referenced item's (3.1 §4.8.9.1 leaves the merge to the tool).
  const { $ref: _ref, ...siblings } = item;
  return { ...target, ...siblings };
}

/** `{name}` templates (OpenAPI §4.8.8 "Path Templating") of one path, checked, and the glob they become. */
function templateGlob(path: string, where: Where): { glob: string; names: Set<string> } {
  if (!path.startsWith('/')) invalid(where, 'a path must begin with "/"');
  if (path.includes('*')) invalid(where, 'a literal "*" cannot be published: in an endpoint it would mean "any segment"');
  const names = new Set<string>();
  let glob = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === '}') invalid(where, `"}" at character ${i + 1} closes no template`);
    if (c !== '{') {
      glob += c;
      continue;
    }
    const end = path.indexOf('}', i);
    const name = end < 0 ? '' : path.slice(i + 1, end);
    if (end < 0 || name.includes('{')) invalid(where, `the template opened at character ${i + 1} is not closed`);
    if (name === '' || name.includes('/')) invalid(where, `the template at character ${i + 1} needs a name without "/"`);
    if (names.has(name)) invalid(where, `the template {${name}} appears twice`);
    names.add(name);
    // Adjacent templates ("{a}{b}") still match within one segment: never let them become "**".
    if (!glob.endsWith('*')) glob += '*';
    i = end;
  }
  try {
    validatePathGlob(glob);
  } catch (e) {
    if (e instanceof AccessControlError) invalid(where, `cannot be published as endpoint ${glob}: ${e.message}`);
    throw e;
  }
  return { glob, names };
}

function checkParameters(value: unknown, where: Where, templates: Set<string>): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) invalid(where, 'parameters must be an array');
  value.forEach((p, i) => {
    const param = obj(p, [...where, i], 'a parameter');
    if (own(param, '$ref') !== undefined) {
      text(own(param, '$ref'), [...where, i, '$ref'], '$ref');
      return;
    }
    const name = text(own(param, 'name'), [...where, i, 'name'], 'name');
    const location = own(param, 'in');
    if (typeof location !== 'string' || !PARAMETER_LOCATIONS.has(location)) {
      invalid([...where, i, 'in'], 'in must be one of query, header, path, cookie');
    }
    if (location === 'path') {
      // §4.8.12.1: a path parameter MUST be required and MUST name a template of the path.
      if (own(param, 'required') !== true) invalid([...where, i, 'required'], 'a path parameter must have "required": true');
      if (!templates.has(name)) invalid([...where, i, 'name'], `the path has no template {${name}}`);
    }
  });
}

/**
 * Parses and checks an OpenAPI 3.0.x or 3.1.x description (JSON or YAML text) and generates its endpoints.
 * Checked: version, `info`, `servers` (variables), `paths` (keys, templates, path items, local `$ref`s of
 * path items), operations (`operationId` unique, `parameters`, `responses` in 3.0). Schemas, examples and
 * everything else a proxy does not use are not validated. Throws `OpenApiError` with a JSON pointer.
 *
 * @example
 * ```ts
 * const d = parseOpenApi('{"openapi":"3.0.3","info":{"title":"Pets","version":"1"},"paths":{"/pets/{id}":{"get":{"responses":{}}}}}');
 * d.endpoints; // [{ method: 'GET', path: '/pets/*' }]
 * ```
 */
export function parseOpenApi(input: string | Uint8Array, options: ParseOpenApiOptions = {}): OpenApiDescription {
  const parsed = parseDescriptionText(input, options.maxBytes);
  if (!isObj(parsed.root)) invalid([], 'the description must be an object (a mapping at the top level)');
  const root = parsed.root;
  const openapi = checkVersion(root);
  const is31 = openapi.startsWith('3.1.');
  const info = obj(own(root, 'info'), ['info'], 'info');
  const title = text(own(info, 'title'), ['info', 'title'], 'title');
  const apiVersion = text(own(info, 'version'), ['info', 'version'], 'version');
  const servers = serverUrls(root, is31);

  const pathsValue = own(root, 'paths');
  if (pathsValue === undefined) {
    throw new OpenApiError('TONLE_ERR_OPENAPI_NO_OPERATIONS', '/paths: missing; a service needs at least one operation under paths.', { pointer: '/paths' });
  }
  const paths = obj(pathsValue, ['paths'], 'paths');
  const endpoints: Endpoint[] = [];
  const globs = new Map<string, string>();
  const operationIds = new Map<string, string>();
  for (const [path, value] of Object.entries(paths)) {
    if (path.startsWith('x-')) continue; // §4.8.8: the Paths Object may carry extensions
    const where = ['paths', path];
    const { glob, names } = templateGlob(path, where);
    const other = globs.get(glob);
    // §4.8.8: templated paths with the same hierarchy but different template names MUST NOT exist.
    if (other !== undefined) invalid(where, `is the same endpoint (${glob}) as ${pointerOf(['paths', other])}`);
    globs.set(glob, path);
    const item = pathItem(root, value, where);
    for (const key of Object.keys(item)) {
      if (!PATH_ITEM_FIELDS.has(key) && !key.startsWith('x-')) {
        invalid([...where, key], `unknown field in a path item; operations are lower-case (${METHODS.join(', ')})`);
      }
    }
    checkParameters(own(item, 'parameters'), [...where, 'parameters'], names);
    for (const method of METHODS) {
      const opValue = own(item, method);
      if (opValue === undefined) continue;
      const opWhere = [...where, method];
      const op = obj(opValue, opWhere, 'an operation');
      const id = own(op, 'operationId');
      if (id !== undefined) {
        const opId = text(id, [...opWhere, 'operationId'], 'operationId');
        const first = operationIds.get(opId);
        if (first !== undefined) invalid([...opWhere, 'operationId'], `operationId ${JSON.stringify(opId).slice(0, 80)} is already used by ${first}`);
        operationIds.set(opId, pointerOf(opWhere));
      }
      checkParameters(own(op, 'parameters'), [...opWhere, 'parameters'], names);
      const responses = own(op, 'responses');
      if (responses === undefined && !is31) invalid([...opWhere, 'responses'], 'responses is required in OpenAPI 3.0');
      if (responses !== undefined) obj(responses, [...opWhere, 'responses'], 'responses');
      if (endpoints.length >= MAX_ENDPOINTS) invalid(['paths'], `more than ${MAX_ENDPOINTS} operations; split the API into several services`);
      endpoints.push(Object.freeze({ method: method.toUpperCase(), path: glob }));
    }
  }
  if (endpoints.length === 0) {
    throw new OpenApiError('TONLE_ERR_OPENAPI_NO_OPERATIONS', '/paths: no operations; a service needs at least one.', { pointer: '/paths' });
  }
  return Object.freeze({
    format: parsed.format,
    text: parsed.text,
    openapi,
    title,
    apiVersion,
    servers: Object.freeze(servers),
    endpoints: Object.freeze(endpoints),
  });
}

/**
 * The service URL (the provider's base URL, which the server proxy prefixes to the path after the service
 * code) from `servers[0]`, resolved against the URL the description came from when it is relative
 * (OpenAPI §4.8.5; no `servers` means `/`). Endpoints are the `paths` keys, relative to this URL, as in X-Road.
 */
export function serviceUrlOf(description: OpenApiDescription, documentUrl?: string): string {
  const first = description.servers[0] ?? '/';
  let url: URL;
  try {
    url = documentUrl === undefined ? new URL(first) : new URL(first, documentUrl);
  } catch (e) {
    throw new OpenApiError(
      'TONLE_ERR_OPENAPI_NO_SERVER_URL',
      `/servers/0/url: ${description.servers.length === 0 ? 'no servers are listed' : `${JSON.stringify(first).slice(0, 80)} is relative`} and there is no document URL to resolve it against; give the service URL explicitly ("url").`,
      { pointer: '/servers/0/url', cause: e },
    );
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new OpenApiError(
      'TONLE_ERR_OPENAPI_INVALID_URL',
      '/servers/0/url: the service URL must be http: or https: without credentials, query or fragment; give the service URL explicitly ("url").',
      { pointer: '/servers/0/url' },
    );
  }
  return url.href.replace(/\/+$/, '');
}
