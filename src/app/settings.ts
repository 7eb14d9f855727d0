/**
 * The full settings list and the one place settings are read: the CLI reads them once at start-up
 * with `loadAppSettings` (every problem of every module listed at once) and passes them down.
 */
import { CORE_SETTINGS, loadSettings } from '../core/config.js';
import type { SettingsSchema } from '../core/config-base.js';
import { MONITOR_SETTINGS, type MonitorSettings } from '../monitor/settings.js';
import { REGISTRY_SETTINGS, type RegistrySettings } from '../registry/settings.js';
import type { ServerSettings } from '../serve/server.js';
import { SERVE_SETTINGS } from '../serve/settings.js';
import { RETRAIN_SETTINGS } from '../train/retrain-settings.js';

/** Every module's settings, for `defasagem config` and docs. A module with settings adds itself here. */
export const ALL_SETTINGS: ReadonlyArray<{ module: string; settings: SettingsSchema }> = [
  { module: 'core', settings: CORE_SETTINGS },
  { module: 'serve', settings: SERVE_SETTINGS },
  { module: 'registry', settings: REGISTRY_SETTINGS },
  { module: 'monitor', settings: MONITOR_SETTINGS },
  { module: 'retrain', settings: RETRAIN_SETTINGS },
];

/** The settings of one process, read once. */
export interface AppSettings {
  /** Core + serve settings: what `startServer` takes. */
  server: ServerSettings;
  /** Guardrails and lock timings: what `openRegistry` takes. */
  registry: RegistrySettings;
  /** Inference events, drift thresholds, outcome floors: what `openMonitor` takes. */
  monitor: MonitorSettings;
}

/** Reads every setting from `env` once; a bad value anywhere fails here with every problem listed. */
export function loadAppSettings(env: NodeJS.ProcessEnv = process.env): AppSettings {
  const all: Record<string, unknown> = loadSettings(
    { ...CORE_SETTINGS, ...SERVE_SETTINGS, ...REGISTRY_SETTINGS, ...MONITOR_SETTINGS },
    env,
  );
  const pick = (schema: SettingsSchema): Record<string, unknown> =>
    Object.fromEntries(Object.keys(schema).map((key) => [key, all[key]]));
  return {
    server: pick({ ...CORE_SETTINGS, ...SERVE_SETTINGS }) as unknown as ServerSettings,
    registry: pick(REGISTRY_SETTINGS) as unknown as RegistrySettings,
    monitor: pick(MONITOR_SETTINGS) as unknown as MonitorSettings,
  };
}
