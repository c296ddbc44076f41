import { createClient } from '@tonle/client-sdk';

/** Finds what a provider offers and what you may call, then fetches one OpenAPI description. */
export async function discover(securityServer: string): Promise<{ members: number; allowed: string[]; openapi: string }> {
  const client = createClient({ securityServer, client: 'EE/GOV/70000002/benefits' });
  try {
    const members = await client.listClients(); // GET /listClients
    const provider = 'EE/GOV/70000001/population';
    for (const service of await client.listMethods(provider)) {
      // GET /r1/EE/GOV/70000001/population/listMethods
      console.log(service.id.serviceCode, service.serviceType, service.endpoints);
    }
    const allowed = await client.allowedMethods(provider); // only what this client may call
    const openapi = await client.getOpenAPI(provider, 'persons'); // { text, contentType }
    return { members: members.length, allowed: allowed.map((s) => s.id.serviceCode), openapi: openapi.contentType ?? '' };
  } finally {
    await client.close();
  }
}
