import type { Command } from 'commander';
import { pruneJob } from '../../app/monitor-jobs.js';
import { emit } from '../output.js';
import { type MonitorOpts, monitorContext } from './monitor-common.js';

export function addMonitorPruneCommand(monitor: Command): void {
  monitor
    .command('prune')
    .description(
      'Delete monitoring events older than MONITOR_RETENTION_DAYS now (the server also does it hourly).',
    )
    .option(
      '--data-dir <dir>',
      'monitoring data folder: monitoring.sqlite unless MONITOR_DATABASE_URL names a PostgreSQL database (default: MONITOR_DATA_DIR or data/monitoring)',
    )
    .action(async (opts: Pick<MonitorOpts, 'dataDir'>, cmd: Command) => {
      const { settings } = monitorContext(opts);
      const r = await pruneJob(settings);
      emit(
        cmd,
        r,
        () =>
          `deleted what started before ${r.before} (retention ${r.retention_days} days): ${r.predictionCounts} prediction counters, ${r.requestCounts} request counters, ${r.rows} pseudonymised rows`,
      );
    });
}
