import { describe, expect, it } from 'vitest';
import { GlobalConfError, createGlobalConfClient, signGlobalConfiguration, type CachedGlobalConf, type GlobalConfFetch } from '@tonle/protocol';
import { T0, anchorFor, documentFor, newKey } from './fixtures.ts';

function server() {
  const state = { body: '', etag: '"v0"', status: 200, requests: [] as Record<string, string>[] };
  const fetch: GlobalConfFetch = async (_url, init) => {
    state.requests.push(init.headers);
    if (state.status !== 200) return { status: state.status, headers: { get: () => null }, text: async () => '' };
    if (init.headers['if-none-match'] === state.etag) return { status: 304, headers: { get: () => null }, text: async () => '' };
    return { status: 200, headers: { get: (n: string) => (n === 'etag' ? state.etag : null) }, text: async () => state.body };
  };
  return { state, fetch };
}

describe('createGlobalConfClient', () => {
  it('downloads, uses the ETag, follows a rotation, keeps the last good one and reloads from cache', async () => {
    const k1 = await newKey('k1');
    const k2 = await newKey('k2');
    const anchor = anchorFor([k1.verification]);
    let now = T0 + 1000;
    const clock = { now: () => now };
    const { state, fetch } = server();
    let saved: CachedGlobalConf | undefined;
    const cache = { load: async () => saved, save: async (e: CachedGlobalConf) => void (saved = e) };
    const client = createGlobalConfClient({ anchor, clock, fetch, cache });
    await client.start();
    expect(() => client.current()).toThrowError(expect.objectContaining({ code: 'TONLE_ERR_GCONF_UNAVAILABLE' }));

    state.body = await signGlobalConfiguration(documentFor({ version: 1, keys: [{ ...k1.verification, status: 'current' }, { ...k2.verification, status: 'next' }] }), k1.signing);
    state.etag = '"v1"';
    expect((await client.refresh()).outcome).toBe('updated');
    expect((await client.refresh()).outcome).toBe('not-modified');
    expect(state.requests.at(-1)).toEqual({ 'if-none-match': '"v1"' });

    state.body = await signGlobalConfiguration(documentFor({ version: 2, generatedAt: T0 + 500, keys: [{ ...k2.verification, status: 'current' }] }), k2.signing);
    state.etag = '"v2"';
    expect((await client.refresh()).configuration.signedBy).toBe('k2');

    // A configuration signed with the retired key is refused; the good one stays.
    state.body = await signGlobalConfiguration(documentFor({ version: 3, keys: [{ ...k1.verification, status: 'current' }] }), k1.signing);
    state.etag = '"v3"';
    const failure = await client.refresh().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(GlobalConfError);
    expect((failure as GlobalConfError).code).toBe('TONLE_ERR_GCONF_DOWNLOAD_FAILED');
    expect(((failure as GlobalConfError).cause as GlobalConfError).code).toBe('TONLE_ERR_GCONF_UNTRUSTED_KEY');
    expect(client.current().document.version).toBe(2);

    // A restarted client reloads the rotated configuration from its cache, with the anchor still at k1.
    const restarted = createGlobalConfClient({ anchor, clock, fetch, cache });
    await restarted.start();
    expect(restarted.current().document.version).toBe(2);
    expect(restarted.trust().keys.map((k) => k.kid)).toEqual(['k2']);

    now = T0 + 700_000;
    expect(() => client.current()).toThrowError(expect.objectContaining({ code: 'TONLE_ERR_GCONF_EXPIRED' }));
    state.status = 503;
    await expect(client.refresh()).rejects.toMatchObject({ code: 'TONLE_ERR_GCONF_DOWNLOAD_FAILED' });
  });

  it('ignores a corrupt cache and starts from the anchor', async () => {
    const k1 = await newKey('k1');
    const { fetch } = server();
    const client = createGlobalConfClient({
      anchor: anchorFor([k1.verification]),
      clock: { now: () => T0 },
      fetch,
      cache: { load: async () => ({ jws: 'garbage', trustedKeys: [] }), save: async () => undefined },
    });
    await client.start();
    expect(client.lastGood()).toBeUndefined();
    expect(client.trust().keys.map((k) => k.kid)).toEqual(['k1']);
  });
});
