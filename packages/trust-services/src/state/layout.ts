import { join } from 'node:path';

/** The three signing identities kept in a state directory. */
export type ServiceName = 'ca' | 'ocsp' | 'tsa';

/**
 * Where things live in a trust-services state directory (created by `tonle trust init`):
 * `trust.json` (public metadata), `<service>/<service>.pem` (certificate), `<service>/<service>.key`
 * (PIN-encrypted PKCS#8), `issued/` (the CA's store), `tsa/serial`, `secrets/` (mode 0700).
 */
export function stateLayout(stateDir: string) {
  return {
    metadata: join(stateDir, 'trust.json'),
    certificate: (service: ServiceName) => join(stateDir, service, `${service}.pem`),
    privateKey: (service: ServiceName) => join(stateDir, service, `${service}.key`),
    issuedDir: join(stateDir, 'issued'),
    tsaSerial: join(stateDir, 'tsa', 'serial'),
    secretsDir: join(stateDir, 'secrets'),
    keyPin: join(stateDir, 'secrets', 'key-pin'),
    apiKey: join(stateDir, 'secrets', 'admin-api-key'),
  } as const;
}

/** Public facts about an initialised state directory (`trust.json`). */
export interface TrustMetadata {
  readonly instanceIdentifier: string;
  readonly createdAt: number;
  /** Default URLs written by `trust init`; `trust start` may override the ports. */
  readonly ocspUrl: string;
}
