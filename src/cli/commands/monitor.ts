/**
 * `defasagem monitor ...`: drift, outcomes and prune, one file each (wiring only; the jobs are in
 * src/app/monitor-jobs.ts, the work in src/monitor). Exit codes for schedulers: 0 green / no alert;
 * 10 drift yellow, 11 drift red, 12 too few students to judge, 13 outcome alerts; the error
 * catalogue's codes (2–7, 70) when the command itself fails.
 */
import type { Command } from 'commander';
import { addMonitorDriftCommand } from './monitor-drift.js';
import { addMonitorOutcomesCommand } from './monitor-outcomes.js';
import { addMonitorPruneCommand } from './monitor-prune.js';

export function registerMonitorCommands(program: Command): void {
  const monitor = program
    .command('monitor')
    .description(
      'Inference monitoring: drift against the training baseline, realised outcomes, retention. Exit codes: 0 green/no alert, 10 yellow, 11 red, 12 too few students, 13 outcome alerts.',
    )
    .exitOverride();
  addMonitorDriftCommand(monitor);
  addMonitorOutcomesCommand(monitor);
  addMonitorPruneCommand(monitor);
}
