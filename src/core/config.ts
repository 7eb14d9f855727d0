import { defineSettings, parsers, type SettingDef, type SettingsOf } from './config-base.js';
import { CORE_ERRORS } from './core-errors.js';
import { AppError } from './error-base.js';

/** Settings shared by the CLI and the server. Module-specific ones live next to their module. */
export const CORE_SETTINGS = defineSettings({
  modelVersion: {
    env: 'MODEL_VERSION',
    default: '',
    description:
      'Which model to serve: empty = the development files (MODEL_PATH, METADATA_PATH, SIGNATURE_PATH); "champion" = the version in REGISTRY_DIR/champion.json; vX.Y.Z = that registered version.',
    parse: parsers.string,
  },
  modelPath: {
    env: 'MODEL_PATH',
    default: 'artifacts/model_v1.json',
    description: 'Development model file, used when MODEL_VERSION is empty.',
    parse: parsers.string,
  },
  metadataPath: {
    env: 'METADATA_PATH',
    default: 'artifacts/model_metadata_v1.json',
    description: 'Development metadata file, used when MODEL_VERSION is empty.',
    parse: parsers.string,
  },
  signaturePath: {
    env: 'SIGNATURE_PATH',
    default: 'artifacts/model_signature_v1.json',
    description: 'Development signature file, used when MODEL_VERSION is empty.',
    parse: parsers.string,
  },
  registryDir: {
    env: 'REGISTRY_DIR',
    default: 'models/registry',
    description: 'Root of the model registry (versions, champion.json, history).',
    parse: parsers.string,
  },
  logLevel: {
    env: 'LOG_LEVEL',
    default: 'info',
    description: 'Log level: fatal, error, warn, info, debug, trace or silent.',
    parse: parsers.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  },
});

export type CoreSettings = SettingsOf<typeof CORE_SETTINGS>;

/**
 * Reads every setting of `schema` from `env`, collecting all problems into one CONFIG_INVALID error.
 */
export function loadSettings<S extends Record<string, SettingDef<unknown>>>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): SettingsOf<S> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, def] of Object.entries(schema)) {
    const raw = env[def.env];
    if (raw === undefined) {
      out[key] = def.default;
      continue;
    }
    try {
      out[key] = def.parse(raw);
    } catch (err) {
      problems.push(`${def.env} ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) {
    throw new AppError(CORE_ERRORS.CONFIG_INVALID, `Invalid configuration: ${problems.join('; ')}.`, {
      problems,
    });
  }
  return out as SettingsOf<S>;
}
