export { ProcessSupervisor, SandboxProcessError, type ProcessSpec } from './supervisor.ts';
export { POPULATION_REGISTER_OPENAPI, createPopulationRegisterApp } from './population-register.ts';
export { DEFAULT_BASE_PORT, SANDBOX_INSTANCE, sandboxLayout, type SandboxLayout } from './layout.ts';
export { runSandbox, type SandboxNetwork, type SandboxOptions } from './run-sandbox.ts';
export { DEFAULT_TUNING, SANDBOX_KEY_SPECS, type SandboxKeySpec, type SecurityServerTuning } from './security-servers.ts';
