export { ProcessSupervisor, SandboxProcessError, type ProcessSpec } from './supervisor.ts';
export { POPULATION_REGISTER_OPENAPI, createPopulationRegisterApp } from './population-register.ts';
