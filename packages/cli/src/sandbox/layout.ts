import { join } from 'node:path';

/** The instance id of the sandbox: two letters, since the EJBCA-like profile puts it in the country field. */
export const SANDBOX_INSTANCE = 'KH';

/**
 * The default first port; every component's port is an offset from it, so defaults never collide. It is
 * below Linux's ephemeral range (32768-60999), so no outgoing connection or port-0 listener can take it.
 */
export const DEFAULT_BASE_PORT = 27100;

/** Where everything of one sandbox lives, and which ports it uses. */
export interface SandboxLayout {
  readonly dir: string;
  readonly logsDir: string;
  readonly trustDir: string;
  readonly registryDir: string;
  readonly networkFile: string;
  readonly ports: {
    readonly ca: number;
    readonly ocsp: number;
    readonly tsa: number;
    readonly registryAdmin: number;
    readonly registryPublic: number;
    readonly sampleService: number;
    readonly consumerClientProxy: number;
    readonly consumerServerProxy: number;
    readonly consumerAdmin: number;
    readonly providerClientProxy: number;
    readonly providerServerProxy: number;
    readonly providerAdmin: number;
  };
}

/** Lays out a sandbox in `dir` with ports counted from `basePort`. */
export function sandboxLayout(dir: string, basePort: number): SandboxLayout {
  if (!Number.isInteger(basePort) || basePort < 1024 || basePort > 65_000) {
    throw new TypeError(`--base-port must be an integer from 1024 to 65000, got ${basePort}`);
  }
  return {
    dir,
    logsDir: join(dir, 'logs'),
    trustDir: join(dir, 'trust'),
    registryDir: join(dir, 'registry'),
    networkFile: join(dir, 'network.json'),
    ports: {
      ca: basePort,
      ocsp: basePort + 1,
      tsa: basePort + 2,
      registryAdmin: basePort + 3,
      registryPublic: basePort + 4,
      sampleService: basePort + 5,
      consumerClientProxy: basePort + 10,
      consumerServerProxy: basePort + 11,
      consumerAdmin: basePort + 12,
      providerClientProxy: basePort + 20,
      providerServerProxy: basePort + 21,
      providerAdmin: basePort + 22,
    },
  };
}
