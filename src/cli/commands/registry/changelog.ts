import type { Command } from 'commander';
import { changelogEntries, renderChangelog } from '../../../registry/index.js';
import { emit } from '../../output.js';
import { type RegistryOpt, registryContext, withRegistry, writeOutFile } from './common.js';

export function addChangelogCommand(registry: Command): void {
  withRegistry(
    registry
      .command('changelog')
      .description('The model changelog in Markdown, from the manifests and the history.')
      .option('--out <file>', 'write it to this file (crash-safe) instead of stdout'),
  ).action(async (opts: RegistryOpt & { out?: string }, cmd: Command) => {
    const ctx = registryContext(opts);
    const markdown = await renderChangelog(ctx);
    if (opts.out) writeOutFile(opts.out, markdown);
    const json = {
      markdown,
      entries: await changelogEntries(ctx),
      ...(opts.out ? { written_to: opts.out } : {}),
    };
    emit(cmd, json, () => (opts.out ? `changelog written to ${opts.out}` : markdown));
  });
}
