/**
 * `defasagem registry ...`: one file per command under ./registry/ (wiring only; the work is in
 * src/registry, the human output in ./registry/format.ts).
 */
import type { Command } from 'commander';
import { addChangelogCommand } from './registry/changelog.js';
import { addDiffCommand } from './registry/diff.js';
import { addGcCommand } from './registry/gc.js';
import { addHistoryCommand } from './registry/history.js';
import { addListCommand } from './registry/list.js';
import { addNextVersionCommand } from './registry/next-version.js';
import { addPromoteCommand } from './registry/promote.js';
import { addRegisterCommand } from './registry/register.js';
import { addResolveCommand } from './registry/resolve.js';
import { addRollbackCommand } from './registry/rollback.js';
import { addShowCommand } from './registry/show.js';
import { addVerifyCommand } from './registry/verify.js';

export function registerRegistryCommands(program: Command): void {
  const registry = program
    .command('registry')
    .description('Model registry: immutable semantic versions, a verified champion, history and rollback.')
    // Subcommands inherit this when created: usage errors reach the top-level catch instead of exiting.
    .exitOverride();
  for (const add of [
    addRegisterCommand,
    addNextVersionCommand,
    addPromoteCommand,
    addRollbackCommand,
    addListCommand,
    addShowCommand,
    addHistoryCommand,
    addChangelogCommand,
    addDiffCommand,
    addVerifyCommand,
    addGcCommand,
    addResolveCommand,
  ]) {
    add(registry);
  }
}
