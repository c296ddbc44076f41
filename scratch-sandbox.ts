import { mkdirSync } from 'node:fs';
import { sandboxLayout } from './packages/cli/src/sandbox/layout.ts';
import { SetupSteps } from './packages/cli/src/sandbox/steps.ts';
import { ProcessSupervisor } from './packages/cli/src/sandbox/supervisor.ts';
import { bringUpRegistry, bringUpTrust, startSampleService } from './packages/cli/src/sandbox/trust-and-registry.ts';
const layout = sandboxLayout('/tmp/sbx', 47100);
mkdirSync(layout.logsDir, { recursive: true });
const steps = await SetupSteps.open(layout.dir);
const sup = new ProcessSupervisor({ logDir: layout.logsDir, onUnexpectedExit: (e) => console.error('DIED', e.processName, e.outputTail) });
const io = { out: (t: string) => process.stdout.write(t), err: (t: string) => process.stderr.write(t), env: {}, cwd: process.cwd() };
const t0 = performance.now();
try {
  await bringUpTrust(layout, steps, sup, io); console.log('trust up', Math.round(performance.now() - t0));
  await bringUpRegistry(layout, steps, sup, io); console.log('registry up', Math.round(performance.now() - t0));
  await startSampleService(layout, sup); console.log('sample up', Math.round(performance.now() - t0));
  const r = await fetch('http://127.0.0.1:47104/globalconf'); console.log('globalconf', r.status, (await r.text()).length);
} catch (e) { console.error('FAILED', e); } finally { await sup.stopAll(); }
