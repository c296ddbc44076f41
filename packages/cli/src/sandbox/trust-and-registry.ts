import { existsSync } from 'node:fs';
import { stateLayout } from '@tonle/trust-services';
import type { CommandIo } from '../command.ts';
import { SANDBOX_INSTANCE, type SandboxLayout } from './layout.ts';
import { operate, tonleProcess } from './operator.ts';
import type { SetupSteps } from './steps.ts';
import type { ProcessSupervisor } from './supervisor.ts';

const local = (port: number): string => `http://127.0.0.1:${port}`;

/** The sandbox's two agencies: the consumer calls the provider's population register. */
export const AGENCIES = {
  consumer: { memberClass: 'GOV', memberCode: '70000001', name: 'Department of Social Services', subsystem: 'benefits', serverCode: 'ss-social' },
  provider: { memberClass: 'GOV', memberCode: '70000002', name: 'City Population Register', subsystem: 'population', serverCode: 'ss-population' },
} as const;

/** Creates (first run) and starts the CA, OCSP responder and TSA. */
export async function bringUpTrust(layout: SandboxLayout, steps: SetupSteps, supervisor: ProcessSupervisor, io: CommandIo): Promise<void> {
  const { ports } = layout;
  await steps.once('trust-init', async () => {
    if (existsSync(layout.trustDir)) return;
    await operate(['trust', 'init', '--dir', layout.trustDir, '--instance', SANDBOX_INSTANCE, '--ocsp-url', `${local(ports.ocsp)}/`], io);
  });
  await supervisor.start(
    tonleProcess(
      'trust',
      ['trust', 'start', '--dir', layout.trustDir, '--ca-port', String(ports.ca), '--ocsp-port', String(ports.ocsp), '--tsa-port', String(ports.tsa)],
      `${local(ports.ca)}/health`,
    ),
  );
}

/** Creates (first run) and starts the central registry, then approves the trust services and the agencies. */
export async function bringUpRegistry(layout: SandboxLayout, steps: SetupSteps, supervisor: ProcessSupervisor, io: CommandIo): Promise<void> {
  const { ports } = layout;
  const dir = ['--dir', layout.registryDir];
  await steps.once('registry-init', async () => {
    if (existsSync(layout.registryDir)) return;
    await operate(
      [
        'registry', 'init', ...dir, '--instance', SANDBOX_INSTANCE,
        '--admin-port', String(ports.registryAdmin), '--public-port', String(ports.registryPublic),
        '--public-url', local(ports.registryPublic),
      ],
      io,
    );
  });
  await supervisor.start(tonleProcess('registry', ['registry', 'start', ...dir], `${local(ports.registryPublic)}/health`));
  const trust = stateLayout(layout.trustDir);
  await steps.once('registry-trust-services', async () => {
    await operate(
      ['registry', 'cas', 'add', ...dir, '--name', 'Sandbox CA', '--cert', trust.certificate('ca'), '--ocsp-url', `${local(ports.ocsp)}/`, '--ocsp-cert', trust.certificate('ocsp')],
      io,
    );
    await operate(['registry', 'tsas', 'add', ...dir, '--name', 'Sandbox TSA', '--url', `${local(ports.tsa)}/`, '--cert', trust.certificate('tsa')], io);
  });
  for (const agency of Object.values(AGENCIES)) {
    await steps.once(`registry-member-${agency.memberCode}`, async () => {
      await operate(['registry', 'members', 'add', ...dir, '--class', agency.memberClass, '--code', agency.memberCode, '--name', agency.name], io);
      await operate(['registry', 'subsystems', 'add', ...dir, '--class', agency.memberClass, '--code', agency.memberCode, '--subsystem', agency.subsystem], io);
    });
  }
}

/** Starts the sample provider service (the population register). */
export async function startSampleService(layout: SandboxLayout, supervisor: ProcessSupervisor): Promise<void> {
  const port = layout.ports.sampleService;
  await supervisor.start(tonleProcess('population-register', ['sample-service', '--port', String(port)], `${local(port)}/health`));
}
