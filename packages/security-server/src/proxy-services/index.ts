/**
 * The services object both proxies share and the ports it is made of (style.md: small, exact contracts
 * at boundaries). app/ builds it; client-proxy/, server-proxy/ and transport/ consume it.
 */
export {
  TrustError,
  type ApprovedCa,
  type ExchangeConfView,
  type ExchangeGlobalConf,
  type ExchangeServices,
  type OutgoingBody,
  type PeerResponse,
  type PeerServer,
  type PeerTransport,
  type ProviderClient,
  type SignerTrust,
} from './services.ts';
