/** What every `defasagem monitor` command shares: where the events and the registry are, the settings. */
import { type Command, InvalidArgumentError } from 'commander';
import { type AppSettings, loadAppSettings } from '../../app/settings.js';
import { parsers } from '../../core/config-base.js';
import { openRegistry, type RegistryContext } from '../../registry/index.js';

export interface MonitorOpts {
  dataDir?: string;
  registry?: string;
}

/** The options every monitor command takes: where the events and the registry are. */
export function withMonitorOptions(cmd: Command): Command {
  return cmd
    .option(
      '--data-dir <dir>',
      'monitoring data folder: monitoring.sqlite unless MONITOR_DATABASE_URL names a PostgreSQL database (default: MONITOR_DATA_DIR or data/monitoring)',
    )
    .option(
      '--registry <dir>',
      'registry directory or s3://bucket/prefix (default: REGISTRY_DIR or models/registry)',
    );
}

/** Every setting read once, with the command's overrides; and the registry opened with them. */
export function monitorContext(opts: MonitorOpts): { settings: AppSettings; registry: RegistryContext } {
  const settings = loadAppSettings();
  if (opts.dataDir) settings.monitor.dataDir = opts.dataDir;
  if (opts.registry) settings.server.registryDir = opts.registry;
  return {
    settings,
    // An s3:// registry is a URL, not a path; a folder is resolved by the storage itself.
    registry: openRegistry(settings.server.registryDir, settings.registry),
  };
}

/** A whole number of days from 1 (commander option parser). */
export const daysOption = (raw: string): number => {
  try {
    return parsers.int(1, 3650)(raw);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};
