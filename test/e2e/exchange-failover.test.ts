/**
 * Provider failover over real sockets (xroad-digest 10, "fastest wins"): the provider subsystem is hosted
 * on two security servers; the consumer's server uses the one that connects first and sticks to it; when
 * that server stops abruptly under steady traffic, requests keep succeeding on the other after at most one
 * failure per connection that was open to the stopped server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './support/http.ts';
import { startNetwork, type Network, type Side } from './support/network.ts';

let net: Network;

beforeAll(async () => {
  net = await startNetwork({ secondProvider: true });
}, 180_000);
afterAll(async () => net?.close());

const CLIENT: [string, string] = ['X-Road-Client', 'EE/GOV/1111/consumer'];
const URL_PATH = '/r1/EE/GOV/2222/provider/echo/failover';
const CALLERS = 4;

/** Which provider server answered: its log has the request record of this X-Road id. */
function servedBy(id: string, sides: readonly Side[]): Side | undefined {
  return sides.find((s) => s.messageLog.records.some((r) => r.kind === 'request' && r.xRoadId === id));
}

interface Outcome {
  readonly ok: boolean;
  readonly id: string;
  readonly error?: string;
}

describe('provider failover', () => {
  it('sticks to one provider server, and after it stops abruptly every caller moves to the other after at most one failure', async () => {
    const c = net.c as Side;
    const providers = [net.b, c];
    let stopped = false;
    const before: Outcome[] = [];
    const after: Outcome[] = [];
    let n = 0;

    async function caller(index: number, until: () => boolean): Promise<void> {
      while (!until()) {
        n += 1;
        const id = `failover-${index}-${n}`;
        const wasStopped = stopped;
        const res = await call(`${net.url}${URL_PATH}`, { method: 'GET', headers: [CLIENT, ['X-Road-Id', id]] });
        const outcome: Outcome = res.status === 200 ? { ok: true, id } : { ok: false, id, error: String(res.headers['x-road-error']) };
        (wasStopped ? after : before).push(outcome);
      }
    }

    // Steady traffic until each caller has a few answers from the winner.
    const phase1 = Array.from({ length: CALLERS }, (_, i) => caller(i, () => before.length >= 40));
    await Promise.all(phase1);
    expect(before.every((o) => o.ok)).toBe(true);
    const winners = new Set(before.map((o) => servedBy(o.id, providers)));
    // Sticky: one server took all of it.
    expect(winners.size).toBe(1);
    const winner = [...winners][0] as Side;
    const other = winner === net.b ? c : net.b;

    // Stop the winner abruptly while the callers keep calling: no new connections, open ones cut.
    const traffic = Array.from({ length: CALLERS }, (_, i) => caller(i, () => after.length >= 80));
    await new Promise((r) => setTimeout(r, 50));
    stopped = true;
    const listener = winner.server.serverProxy.server;
    listener.close();
    listener.closeAllConnections();
    await Promise.all(traffic);

    const failures = after.filter((o) => !o.ok);
    // At most one failure per connection that was open to the stopped server (callers <= connections).
    expect(failures.length).toBeLessThanOrEqual(CALLERS);
    for (const f of failures) expect(['Server.ClientProxy.NetworkError', 'Server.ClientProxy.InvalidResponse']).toContain(f.error);
    // Once a caller moved, it stays moved: the last answers all come from the other server.
    const tail = after.slice(-40);
    expect(tail.every((o) => o.ok)).toBe(true);
    expect(tail.every((o) => servedBy(o.id, providers) === other)).toBe(true);
  }, 120_000);
});
