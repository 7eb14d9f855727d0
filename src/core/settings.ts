import { REGISTRY_SETTINGS } from '../registry/settings.js';
import { SERVE_SETTINGS } from '../serve/settings.js';
import { CORE_SETTINGS } from './config.js';
import type { SettingsSchema } from './config-base.js';

/** Every module's settings, for `defasagem config` and docs. Modules append theirs here. */
export const ALL_SETTINGS: ReadonlyArray<{ module: string; settings: SettingsSchema }> = [
  { module: 'core', settings: CORE_SETTINGS },
  { module: 'serve', settings: SERVE_SETTINGS },
  { module: 'registry', settings: REGISTRY_SETTINGS },
];
