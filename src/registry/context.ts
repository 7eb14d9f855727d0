import { loadSettings } from '../core/config.js';
import { LocalFsStorage } from './fs-storage.js';
import { REGISTRY_SETTINGS, type RegistrySettings } from './settings.js';
import type { RegistryStorage } from './storage.js';

/** A registry to act on: its storage and the settings (guardrails, lock timings) in force. */
export interface RegistryContext {
  storage: RegistryStorage;
  settings: RegistrySettings;
}

/** A registry directory (local backend, settings from the environment) or a ready context. */
export type RegistryRef = string | RegistryContext;

export function openRegistry(dir: string, overrides: Partial<RegistrySettings> = {}): RegistryContext {
  const settings = { ...loadSettings(REGISTRY_SETTINGS), ...overrides };
  return {
    storage: new LocalFsStorage(dir, { timeoutMs: settings.lockTimeoutMs, staleMs: settings.lockStaleMs }),
    settings,
  };
}

export function contextOf(ref: RegistryRef): RegistryContext {
  return typeof ref === 'string' ? openRegistry(ref) : ref;
}
