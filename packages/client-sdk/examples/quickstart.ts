import { createClient } from '@tonle/client-sdk';

/** Looks up one person in another agency's population register, through your own security server. */
export async function quickstart(securityServer: string): Promise<unknown> {
  // Create one client per security server and share it: it keeps a keep-alive connection pool.
  const client = createClient({
    securityServer, // e.g. 'http://ss.benefits.example:8080'
    client: 'EE/GOV/70000002/benefits', // your subsystem, sent as X-Road-Client
  });
  try {
    const res = await client.call({
      service: 'EE/GOV/70000001/population/persons', // INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE
      path: '/v1/persons/38001010000',
      userId: 'EE38001010000', // X-Road-UserId: the official on whose behalf you ask
    });
    console.log(res.status, res.xroad.id, res.xroad.requestId);
    return await res.json();
  } finally {
    await client.close();
  }
}
