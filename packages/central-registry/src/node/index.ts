import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '@tonle/protocol';
import { createFileAuditLog } from '../audit-log/index.ts';
import { readSigningKeyPin, type RegistryNodeConfig } from '../config/index.ts';
import { createAdminApi, createPublicApi } from '../http/index.ts';
import { createRegistry, type Registry } from '../registry/index.ts';
import { createFileStore, createRedisStore, type RegistryStore } from '../store/index.ts';

export { createRegistryLogger } from './logger.ts';

/** A running registry node: both listeners, the periodic re-signing, and how to stop them. */
export interface RegistryNode {
  readonly registry: Registry;
  readonly adminUrl: string;
  readonly publicUrl: string;
  close(): Promise<void>;
}

export function openStore(config: RegistryNodeConfig['store']): Promise<RegistryStore> {
  return config.type === 'file' ? createFileStore({ dir: config.dir }) : createRedisStore({ url: config.url, ...(config.keyPrefix === undefined ? {} : { keyPrefix: config.keyPrefix }) });
}

/** Starts one registry node from its config: the composition root of the registry process. */
export async function startRegistryNode(options: { config: RegistryNodeConfig; clock: Clock; logger?: FastifyBaseLogger }): Promise<RegistryNode> {
  const { config, clock } = options;
  const signingKeyPin = await readSigningKeyPin(config);
  const store = await openStore(config.store);
  const audit = await createFileAuditLog({ path: config.auditLog });
  const { logger } = options;
  const registry = createRegistry({
    store,
    clock,
    audit,
    regenerateIntervalMs: config.regenerateIntervalSeconds * 1000,
    ...(logger === undefined ? {} : { log: logger }),
    ...(signingKeyPin === undefined ? {} : { signingKeyPin }),
  });
  const admin = createAdminApi({ registry, ...(logger === undefined ? {} : { logger }) });
  const pub = createPublicApi({ registry, ...(logger === undefined ? {} : { logger }) });
  try {
    await registry.publish();
    const adminUrl = await admin.listen({ host: config.admin.host, port: config.admin.port });
    const publicUrl = await pub.listen({ host: config.public.host, port: config.public.port });
    registry.start();
    return {
      registry,
      adminUrl,
      publicUrl,
      async close() {
        await registry.stop();
        await Promise.allSettled([admin.close(), pub.close()]);
        await audit.close();
        await store.close();
      },
    };
  } catch (error) {
    await Promise.allSettled([admin.close(), pub.close()]);
    await audit.close();
    await store.close();
    throw error;
  }
}
