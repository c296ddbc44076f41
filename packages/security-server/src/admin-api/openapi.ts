import type { RouteDef } from './routes.ts';

/** The OpenAPI 3.1 document of the admin API, generated from the route table (so it cannot drift). */
export function openApiDocument(routes: readonly RouteDef[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = `/api/v1${r.url.replace(/:([A-Za-z]+)/g, '{$1}')}`;
    const params = [...r.url.matchAll(/:([A-Za-z]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const op: Record<string, unknown> = {
      operationId: r.id,
      summary: r.summary,
      description: `Roles: ${r.roles.join(', ')}`,
      'x-roles': r.roles,
      security: [{ apiKey: [] }],
      ...(params.length > 0 ? { parameters: params } : {}),
      responses: {
        '200': { description: 'OK' },
        '400': { description: 'Invalid request', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        '401': { description: 'Missing or unknown API key' },
        '403': { description: 'The API key has no role allowed here' },
        '413': { description: 'Body too large' },
        '429': { description: 'Rate limit exceeded' },
      },
    };
    if (r.body !== undefined) op['requestBody'] = { required: true, content: { 'application/json': { schema: r.body } } };
    if (r.upload) op['requestBody'] = { required: true, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } }, 'application/json': { schema: { type: 'object' } } } };
    (paths[path] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Tonle security server admin API', version },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'X-Road-ApiKey token=<key>' } },
      schemas: {
        Error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'array', items: { type: 'string' } }, pointer: { type: 'string', description: 'JSON pointer into a refused OpenAPI description' }, line: { type: 'integer' }, column: { type: 'integer' } } },
      },
    },
    paths,
  };
}
