import type { GlobalConfView } from '../global-conf/index.ts';
import type { ExchangeConfView, ExchangeGlobalConf } from '../proxy-services/index.ts';

/** The narrow read model the proxies use, over the global-conf module's view of one configuration. */
export function exchangeConfView(view: GlobalConfView): ExchangeConfView {
  const approvedCas = view.approvedCas();
  return {
    instanceIdentifier: view.instanceIdentifier,
    approvedCas,
    ocspFreshnessSeconds: view.ocspFreshnessSeconds,
    serversHosting: (client) =>
      view.serversHosting(client).map((s) => ({ id: s.id, address: s.address, authCertHashes: s.authCertHashes, maintenance: s.maintenance.enabled })),
    serversWithAuthCert(hash) {
      const s = view.serverByAuthCertHash(hash);
      return s === undefined ? [] : [{ id: s.id, address: s.address, authCertHashes: s.authCertHashes }];
    },
    isMemberOf: (client, group) => view.isMemberOf(client, group),
    clients: () => view.clients(),
  };
}

/**
 * Adapts the global-conf holder (`current(side)` throws the side's OutdatedGlobalConf fault when the
 * configuration expired, and serves again once a fresh one verified) to the proxies' port.
 */
export function exchangeGlobalConf(holder: { current(side: 'client' | 'server'): GlobalConfView }): ExchangeGlobalConf {
  const adapted = new WeakMap<GlobalConfView, ExchangeConfView>();
  return {
    current(side) {
      const view = holder.current(side);
      let out = adapted.get(view);
      if (out === undefined) {
        out = exchangeConfView(view);
        adapted.set(view, out);
      }
      return out;
    },
  };
}
