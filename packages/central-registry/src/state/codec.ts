import { RegistryError } from '../errors/index.ts';
import type { RegistryState } from './types.ts';

/** The stored JSON text of the state. */
export function serializeState(state: RegistryState): string {
  return JSON.stringify(state);
}

/** Parses stored state; a document from another schema version or a damaged one is refused with a code. */
export function parseState(text: string): RegistryState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new RegistryError('TONLE_ERR_REGISTRY_STORE_CORRUPT', 'Stored registry state is not JSON; restore it from a backup.', { cause });
  }
  const state = value as Partial<RegistryState> | null;
  if (
    state === null ||
    typeof state !== 'object' ||
    state.schemaVersion !== 1 ||
    typeof state.instanceIdentifier !== 'string' ||
    !Array.isArray(state.members) ||
    !Array.isArray(state.signingKeys) ||
    !state.signingKeys.every((k) => typeof k === 'object' && k !== null && typeof k.privateKeyPem === 'string')
  ) {
    throw new RegistryError('TONLE_ERR_REGISTRY_STORE_CORRUPT', 'Stored registry state has an unknown shape or schema version.');
  }
  return value as RegistryState;
}
