import { GatewayFault, createMockSecurityServer } from '@tonle/client-sdk/testing';
import { createClient, isGatewayError } from '@tonle/client-sdk';

/** How to test your own code against a fake of your security server (a real HTTP server on 127.0.0.1). */
export async function testWithMock(): Promise<{ name: unknown; denied: string | false }> {
  const ss = await createMockSecurityServer({
    clients: ['EE/GOV/70000002/benefits'], // others get Server.ClientProxy.UnknownMember
    services: {
      'EE/GOV/70000001/population/persons': async (req) => ({ json: { id: req.path.split('/').at(-1), name: 'Mari' } }),
      // Throw a GatewayFault to answer with an X-Road fault (X-Road-Error header + fault body).
      'EE/GOV/70000001/population/secret': () => {
        throw new GatewayFault('Server.ServerProxy.AccessDenied');
      },
    },
  });
  const client = createClient({ securityServer: ss.url, client: 'EE/GOV/70000002/benefits' });
  try {
    const res = await client.call({ service: 'EE/GOV/70000001/population/persons', path: '/v1/persons/1' });
    const { name } = (await res.json()) as { name: unknown };
    const denied = await client.call({ service: 'EE/GOV/70000001/population/secret' }).then(
      () => false as const,
      (e: unknown) => (isGatewayError(e) ? e.code : false),
    );
    return { name, denied };
  } finally {
    await client.close();
    await ss.close();
  }
}
