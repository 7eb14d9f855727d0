import type { Command } from 'commander';

/** Placeholder until the data commands land (owned by the data work). */
export function registerDataCommands(_program: Command): void {}
