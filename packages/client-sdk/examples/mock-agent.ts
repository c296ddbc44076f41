import { MockAgent } from 'undici';
import { createClient } from '@tonle/client-sdk';

/** Without any socket: undici's MockAgent as the client's dispatcher. */
export async function withMockAgent(): Promise<unknown> {
  const agent = new MockAgent();
  agent.disableNetConnect(); // fail on any request that no interceptor matches
  agent
    .get('http://ss.test:8080')
    .intercept({
      path: '/r1/EE/GOV/70000001/population/persons/v1/persons/1',
      method: 'GET',
      headers: { 'x-road-client': 'EE/GOV/70000002/benefits' },
    })
    .reply(200, { name: 'Mari' }, { headers: { 'content-type': 'application/json', 'x-road-id': 'EE-test-1' } });
  agent
    .get('http://ss.test:8080')
    .intercept({ path: '/r1/EE/GOV/70000001/population/persons/v1/forbidden', method: 'GET' })
    .reply(500, { type: 'Server.ServerProxy.AccessDenied', message: 'Request is not allowed', detail: 'f-1' }, {
      headers: { 'x-road-error': 'Server.ServerProxy.AccessDenied' }, // the header makes it a fault
    });
  const client = createClient({ securityServer: 'http://ss.test:8080', client: 'EE/GOV/70000002/benefits', dispatcher: agent });
  try {
    const res = await client.call({ service: 'EE/GOV/70000001/population/persons', path: '/v1/persons/1' });
    const person = await res.json();
    const fault = await client.call({ service: 'EE/GOV/70000001/population/persons', path: '/v1/forbidden' }).catch((e: unknown) => e);
    agent.assertNoPendingInterceptors();
    return { person, id: res.xroad.id, fault: (fault as { code?: string }).code };
  } finally {
    await client.close(); // does not close the agent you passed in
    await agent.close();
  }
}
