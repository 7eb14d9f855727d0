import type { Command } from 'commander';

/** Placeholder until the registry commands land (owned by the registry work). */
export function registerRegistryCommands(_program: Command): void {}
