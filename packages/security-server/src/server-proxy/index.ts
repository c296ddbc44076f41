/** Server proxy: the provider side, Tonle transport v1 over mutual TLS from peer security servers. */
export { buildServerProxy, type ServerProxyTls } from './server-proxy.ts';
export { createProviderClient, ProviderError } from './provider-client.ts';
