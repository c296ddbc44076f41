import Fastify, { type FastifyInstance } from 'fastify';
import { testbenchRoutes } from './testbench.ts';

/**
 * The sandbox's sample provider service: the population register of a fictional city, the kind of
 * lookup a municipality really exposes to other agencies. Data is made up.
 */
const PERSONS = [
  { personalCode: '38001010014', givenName: 'Sokha', familyName: 'Chan', birthDate: '1980-01-01', district: 'Daun Penh' },
  { personalCode: '49203150025', givenName: 'Maria', familyName: 'Tamm', birthDate: '1992-03-15', district: 'Kesklinn' },
  { personalCode: '37711300036', givenName: 'Dara', familyName: 'Kim', birthDate: '1977-11-30', district: 'Chamkar Mon' },
] as const;

/** The OpenAPI 3 description the provider publishes (served at /openapi.json). */
export const POPULATION_REGISTER_OPENAPI = {
  openapi: '3.0.3',
  info: {
    title: 'Population register',
    version: '1.0.0',
    description: 'Residents of the city: look up a person by personal code or search by family name.',
  },
  paths: {
    '/persons/{personalCode}': {
      get: {
        operationId: 'getPerson',
        summary: 'One resident by personal code',
        parameters: [{ name: 'personalCode', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9]{11}$' } }],
        responses: {
          '200': { description: 'The resident', content: { 'application/json': { schema: { $ref: '#/components/schemas/Person' } } } },
          '404': { description: 'No such resident' },
        },
      },
    },
    '/persons': {
      get: {
        operationId: 'searchPersons',
        summary: 'Residents by family name',
        parameters: [{ name: 'familyName', in: 'query', required: true, schema: { type: 'string' } }],
        responses: {
          '200': {
            description: 'Matching residents',
            content: { 'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/Person' } } } },
          },
        },
      },
    },
  },
  components: {
    schemas: {
      Person: {
        type: 'object',
        required: ['personalCode', 'givenName', 'familyName', 'birthDate', 'district'],
        properties: {
          personalCode: { type: 'string' },
          givenName: { type: 'string' },
          familyName: { type: 'string' },
          birthDate: { type: 'string', format: 'date' },
          district: { type: 'string' },
        },
      },
    },
  },
} as const;

/** Builds the service (not listening). */
export function createPopulationRegisterApp(): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/openapi.json', async () => POPULATION_REGISTER_OPENAPI);
  app.get('/health', async () => ({ status: 'ok' }));
  app.get<{ Params: { personalCode: string } }>('/persons/:personalCode', async (request, reply) => {
    const person = PERSONS.find((p) => p.personalCode === request.params.personalCode);
    if (person === undefined) return reply.code(404).send({ error: 'not found', personalCode: request.params.personalCode });
    return { ...person, requestedBy: request.headers['x-road-client'] ?? null };
  });
  app.get<{ Querystring: { familyName?: string } }>('/persons', async (request, reply) => {
    const familyName = request.query.familyName;
    if (familyName === undefined || familyName === '') return reply.code(400).send({ error: 'familyName is required' });
    return PERSONS.filter((p) => p.familyName.toLowerCase() === familyName.toLowerCase());
  });
  // A second service on the same process: the testbench the client SDK's end-to-end tests call.
  void app.register(testbenchRoutes, { prefix: '/testbench' });
  return app;
}
