import type { Command } from 'commander';

/** Placeholder until the serve commands land (owned by the serve work). */
export function registerServeCommands(_program: Command): void {}
