import { systemClock, type Clock } from '@tonle/protocol';
import { initTrustState, loadServiceIdentity, readSecretFile, type InitializedTrustState, type ServiceIdentity } from '@tonle/trust-services';
import { tempDir } from './openssl.ts';

/** An initialised state directory with its three identities loaded, removed on dispose. */
export interface LoadedState extends AsyncDisposable {
  readonly dir: string;
  readonly state: InitializedTrustState;
  readonly ca: ServiceIdentity;
  readonly ocsp: ServiceIdentity;
  readonly tsa: ServiceIdentity;
  readonly apiKey: string;
}

export async function loadedState(clock: Clock = systemClock): Promise<LoadedState> {
  const dir = await tempDir('state');
  const state = await initTrustState({ stateDir: dir.path, instanceIdentifier: 'EE', ocspUrl: 'http://127.0.0.1:9/', clock });
  const pin = await readSecretFile(state.keyPinFile, 'pin');
  return {
    dir: dir.path,
    state,
    ca: await loadServiceIdentity(dir.path, 'ca', pin),
    ocsp: await loadServiceIdentity(dir.path, 'ocsp', pin),
    tsa: await loadServiceIdentity(dir.path, 'tsa', pin),
    apiKey: await readSecretFile(state.apiKeyFile, 'api key'),
    [Symbol.asyncDispose]: () => dir[Symbol.asyncDispose](),
  };
}
