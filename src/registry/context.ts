import { loadSettings } from '../core/config.js';
import { LocalFsStorage } from './fs-storage.js';
import { REGISTRY_SETTINGS, type RegistrySettings } from './settings.js';
import type { RegistryStorage } from './storage.js';

/** A registry to act on: its storage and the settings (guardrails, lock timings) in force. */
export interface RegistryContext {
  storage: RegistryStorage;
  settings: RegistrySettings;
}

/**
 * A registry directory or a ready context. A directory is opened with the settings read from the
 * environment once per process (`registrySettingsFromEnv`); the composition layer and the CLI build a
 * context with `openRegistry(dir, settings)` instead and pass it down.
 */
export type RegistryRef = string | RegistryContext;

/** The local-filesystem registry at `dir`, with these settings (nothing is read from the environment). */
export function openRegistry(dir: string, settings: RegistrySettings): RegistryContext {
  return {
    storage: new LocalFsStorage(dir, { timeoutMs: settings.lockTimeoutMs, leaseMs: settings.lockLeaseMs }),
    settings,
  };
}

let fromEnv: RegistrySettings | null = null;

/** The registry settings of this process's environment, read (and validated) at the first call only. */
export function registrySettingsFromEnv(): RegistrySettings {
  fromEnv ??= loadSettings(REGISTRY_SETTINGS);
  return fromEnv;
}

export function contextOf(ref: RegistryRef): RegistryContext {
  return typeof ref === 'string' ? openRegistry(ref, registrySettingsFromEnv()) : ref;
}
