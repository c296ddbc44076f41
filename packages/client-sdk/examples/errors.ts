import { createClient, isGatewayError, isProviderError, isTransportError } from '@tonle/client-sdk';

/** Calls a service and turns each kind of failure into a line a person can act on. */
export async function describeOutcome(securityServer: string, path: string): Promise<string> {
  const client = createClient({ securityServer, client: 'EE/GOV/70000002/benefits', timeoutMs: 5_000 });
  try {
    const res = await client.call({
      service: 'EE/GOV/70000001/population/persons',
      path,
      throwOnProviderError: true, // 4xx/5xx from the provider service become ProviderError
    });
    return `ok: ${JSON.stringify(await res.json())}`;
  } catch (e) {
    if (isGatewayError(e)) {
      // X-Road refused or failed the exchange (the response had X-Road-Error).
      if (e.code === 'Server.ServerProxy.AccessDenied') return `no access yet: ask the provider (fault ${e.detail})`;
      return `X-Road fault ${e.code} (HTTP ${e.status}, fault id ${e.detail})`;
    }
    if (isProviderError(e)) return `the service answered ${e.status}: ${e.text()}`;
    if (isTransportError(e)) return `could not talk to our security server: ${e.code}`;
    throw e;
  } finally {
    await client.close();
  }
}
