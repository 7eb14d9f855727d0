import type { Command } from 'commander';

/** Placeholder until the train commands land (owned by the train work). */
export function registerTrainCommands(_program: Command): void {}
