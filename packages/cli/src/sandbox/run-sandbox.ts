import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { stateLayout } from '@tonle/trust-services';
import type { CommandIo } from '../command.ts';
import { SANDBOX_INSTANCE, sandboxLayout, type SandboxLayout } from './layout.ts';
import { OperatorStepError } from './operator.ts';
import {
  publishSampleService,
  registerSecurityServer,
  sampleService,
  securityServerSite,
  testbenchService,
  startSecurityServer,
  waitUntilReady,
  writeConfig,
  DEFAULT_TUNING,
  type SecurityServerSite,
  type SecurityServerTuning,
} from './security-servers.ts';
import { SetupSteps } from './steps.ts';
import type { SandboxProcessError } from './supervisor.ts';
import { ProcessSupervisor } from './supervisor.ts';
import { bringUpRegistry, bringUpTrust, startSampleService } from './trust-and-registry.ts';

export interface SandboxOptions {
  readonly dir: string;
  readonly basePort: number;
  readonly reset: boolean;
  readonly io: CommandIo;
  /** Resolves when the sandbox should stop (SIGINT/SIGTERM in the command). */
  readonly stop: Promise<unknown>;
  /** Key algorithm, message log and intervals of the security servers (benchmarks); default DEFAULT_TUNING. */
  readonly tuning?: SecurityServerTuning;
}

/** `network.json`: what scripts, tests and benchmarks need to use a running sandbox. */
export interface SandboxNetwork {
  readonly instance: string;
  readonly consumer: SiteInfo;
  readonly provider: SiteInfo & {
    readonly service: string;
    readonly samplePath: string;
    /** The testbench service (echo, /bytes, /slow, /status, /flaky, /hangup): docs/sandbox.md. */
    readonly testbenchService: string;
  };
  readonly registry: { readonly url: string; readonly configurationUrl: string; readonly anchorFile: string; readonly adminUrl: string; readonly adminApiKey: string };
  readonly trust: {
    readonly caCertFile: string;
    readonly ocspUrl: string;
    readonly tsaUrl: string;
    readonly tsaCertFile: string;
    readonly caUrl: string;
    /** The CA and TSA certificates, as the auditor's `--anchors` folder. */
    readonly anchorsDir: string;
  };
  readonly sampleServiceUrl: string;
  /** The sandbox's own process and every process it started. */
  readonly pids: readonly number[];
  /** The same processes by name (`trust`, `registry`, `population-register`, `ss-provider`, `ss-consumer`). */
  readonly processes: Readonly<Record<string, number>>;
}

interface SiteInfo {
  readonly client: string;
  readonly serverId: string;
  readonly clientProxyUrl: string;
  readonly clientProxyHttpsUrl: string;
  readonly adminUrl: string;
  readonly adminApiKey: string;
  readonly monitoringUrl: string;
  readonly messageLogDir: string;
}

async function siteInfo(site: SecurityServerSite): Promise<SiteInfo> {
  return {
    client: site.client,
    serverId: site.serverId,
    clientProxyUrl: site.clientProxyUrl,
    clientProxyHttpsUrl: site.clientProxyHttpsUrl,
    adminUrl: `${site.adminUrl}/api/v1`,
    adminApiKey: (await readFile(site.apiKeyFile, 'utf8')).trim(),
    monitoringUrl: site.monitoringUrl,
    messageLogDir: site.messageLogDir,
  };
}

async function networkOf(layout: SandboxLayout, consumer: SecurityServerSite, provider: SecurityServerSite): Promise<SandboxNetwork> {
  const trust = stateLayout(layout.trustDir);
  const service = sampleService(layout);
  const local = (port: number): string => `http://127.0.0.1:${port}`;
  return {
    instance: SANDBOX_INSTANCE,
    consumer: await siteInfo(consumer),
    provider: { ...(await siteInfo(provider)), service: service.id, samplePath: service.samplePath, testbenchService: testbenchService(layout).id },
    registry: {
      url: local(layout.ports.registryPublic),
      configurationUrl: `${local(layout.ports.registryPublic)}/globalconf`,
      anchorFile: resolve(layout.dir, 'anchor.json'),
      adminUrl: `${local(layout.ports.registryAdmin)}/api/v1`,
      adminApiKey: (await readFile(resolve(layout.registryDir, 'admin-api-key'), 'utf8')).trim(),
    },
    trust: {
      caUrl: local(layout.ports.ca),
      caCertFile: trust.certificate('ca'),
      ocspUrl: `${local(layout.ports.ocsp)}/`,
      tsaUrl: `${local(layout.ports.tsa)}/`,
      tsaCertFile: trust.certificate('tsa'),
      anchorsDir: join(layout.dir, 'trust-anchors'),
    },
    sampleServiceUrl: local(layout.ports.sampleService),
    pids: [],
    processes: {},
  };
}

/** Sends the first request through both security servers and returns what the newcomer should see. */
async function firstRequest(network: SandboxNetwork): Promise<{ status: number; xRoadId: string; requestId: string; body: string }> {
  const url = `${network.consumer.clientProxyUrl}/r1/${network.provider.service}${network.provider.samplePath}`;
  const response = await fetch(url, { headers: { 'X-Road-Client': network.consumer.client } });
  const body = await response.text();
  if (response.status !== 200) {
    throw new OperatorStepError(`the first request through the sandbox answered ${response.status}`, body);
  }
  return { status: response.status, xRoadId: response.headers.get('x-road-id') ?? '', requestId: response.headers.get('x-road-request-id') ?? '', body };
}

function banner(network: SandboxNetwork, first: { xRoadId: string; requestId: string; body: string }, dir: string): string {
  const url = `${network.consumer.clientProxyUrl}/r1/${network.provider.service}${network.provider.samplePath}`;
  return `
Tonle sandbox is ready (instance ${network.instance}).

  consumer  ${network.consumer.client} on security server ${network.consumer.serverId}
            client proxy ${network.consumer.clientProxyUrl}   admin API ${network.consumer.adminUrl}
  provider  ${network.provider.client} on security server ${network.provider.serverId}
            publishes ${network.provider.service} (a city's population register)
  registry  ${network.registry.configurationUrl}   trust: CA ${network.trust.caUrl}, OCSP ${network.trust.ocspUrl}, TSA ${network.trust.tsaUrl}

The first request went through both security servers:
  X-Road-Id          ${first.xRoadId}
  X-Road-Request-Id  ${first.requestId}
  answer             ${first.body.slice(0, 200)}

Try it yourself:
  curl -H 'X-Road-Client: ${network.consumer.client}' ${url}
  curl -H 'X-Road-Client: ${network.consumer.client}' '${network.consumer.clientProxyUrl}/r1/${network.provider.service}?familyName=Tamm'

Or from TypeScript with the client SDK:
  import { createClient } from '@tonle/client-sdk';
  const client = createClient({ securityServer: '${network.consumer.clientProxyUrl}', client: '${network.consumer.client}' });
  const res = await client.call({ service: '${network.provider.service}', path: '${network.provider.samplePath}' });
  console.log(await res.json());

Message logs (evidence of every message, on both sides):
  ${network.consumer.messageLogDir}
  ${network.provider.messageLogDir}
Verify one offline with the auditor's tool:
  npm run tonle -- audit verify ${network.consumer.messageLogDir} --allow-pending --anchors ${network.trust.anchorsDir}

Everything is described in ${resolve(dir, 'network.json')}; logs of each process are in ${resolve(dir, 'logs')}.
Press Ctrl+C to stop.
`;
}

/**
 * Brings up a whole instance: trust services, central registry, two agencies' security servers
 * registered the way an operator does it, the sample provider service, then sends a first request.
 * Runs until `stop` resolves or a component dies; resolves to the exit code.
 */
export async function runSandbox(options: SandboxOptions): Promise<number> {
  const { io } = options;
  const tuning = options.tuning ?? DEFAULT_TUNING;
  const dir = resolve(io.cwd, options.dir);
  if (options.reset) await rm(dir, { recursive: true, force: true });
  const layout = sandboxLayout(dir, options.basePort);
  await mkdir(layout.logsDir, { recursive: true });
  const steps = await SetupSteps.open(dir);
  let died: (error: SandboxProcessError) => void = () => undefined;
  const death = new Promise<SandboxProcessError>((resolveDeath) => (died = resolveDeath));
  const supervisor = new ProcessSupervisor({ logDir: layout.logsDir, onUnexpectedExit: (error) => died(error) });
  const started = performance.now();
  const say = (text: string): void => io.err(`[sandbox] ${text}\n`);
  try {
    say(steps.isFirstRun ? `first run: creating a new instance in ${dir}` : `reusing the instance in ${dir}`);
    say('starting the trust services (CA, OCSP responder, TSA)');
    await bringUpTrust(layout, steps, supervisor, io);
    say('starting the central registry');
    await bringUpRegistry(layout, steps, supervisor, io);
    say('starting the sample provider service');
    await startSampleService(layout, supervisor);
    const consumer = securityServerSite(layout, 'consumer');
    const provider = securityServerSite(layout, 'provider');
    for (const site of [provider, consumer]) {
      say(`starting ${site.role}'s security server ${site.serverId}`);
      await startSecurityServer(site, layout, supervisor, tuning);
      await registerSecurityServer(site, layout, steps, io, tuning.keySpec);
    }
    await publishSampleService(provider, consumer, layout, steps);
    say('waiting for both security servers to be ready');
    await Promise.all([waitUntilReady(provider), waitUntilReady(consumer)]);
    if (tuning.intervals === 'production') {
      // Registered with 2 s intervals so it shows quickly; now the servers' own defaults (60 s).
      say('restarting both security servers with production intervals (60 s)');
      for (const site of [provider, consumer]) {
        await writeConfig(site, layout, tuning, 'production');
        await supervisor.restart(`ss-${site.role}`);
      }
      await Promise.all([waitUntilReady(provider), waitUntilReady(consumer)]);
    }
    const network = {
      ...(await networkOf(layout, consumer, provider)),
      pids: [process.pid, ...supervisor.pids],
      processes: Object.fromEntries([['sandbox', process.pid], ...supervisor.processes.map((p) => [p.name, p.pid])]),
    };
    await mkdir(network.trust.anchorsDir, { recursive: true });
    await copyFile(network.trust.caCertFile, join(network.trust.anchorsDir, 'ca.pem'));
    await copyFile(network.trust.tsaCertFile, join(network.trust.anchorsDir, 'tsa.pem'));
    await writeFile(layout.networkFile, `${JSON.stringify(network, null, 2)}\n`, { mode: 0o600 });
    const first = await firstRequest(network);
    io.out(banner(network, first, dir));
    say(`ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const outcome = await Promise.race([options.stop.then(() => undefined), death]);
    if (outcome !== undefined) {
      io.err(`\n${outcome.message}. Its last output:\n${outcome.outputTail}\nStopping the sandbox.\n`);
      return 1;
    }
    say('stopping');
    return 0;
  } catch (error) {
    const e = error as { message?: string; output?: string; outputTail?: string; code?: string };
    io.err(`\nThe sandbox could not start: ${e.message ?? String(error)}${e.code === undefined ? '' : ` (${e.code})`}\n`);
    const details = e.outputTail ?? e.output;
    if (details !== undefined && details !== '') io.err(`${details}\n`);
    io.err(`Logs of every process are in ${layout.logsDir}; run with --reset to start from scratch.\n`);
    return 1;
  } finally {
    await supervisor.stopAll();
  }
}
