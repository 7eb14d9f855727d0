import { type Command, InvalidArgumentError } from 'commander';
import { loadAppSettings } from '../../app/settings.js';
import { parsers } from '../../core/config-base.js';
import { generateKey, hashKey } from '../../serve/auth.js';
import { startServer } from '../../serve/server.js';
import { API_ROLES } from '../../serve/settings.js';
import { emit } from '../output.js';

export const portOption = (raw: string): number => {
  try {
    return parsers.int(0, 65535)(raw);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};

export function registerServeCommands(program: Command): void {
  const serve = program
    .command('serve')
    .description(
      'Serve the prediction API for MODEL_VERSION ("" = development files, "champion" = follows promotions, vX.Y.Z = pinned). Every setting: `defasagem config`.',
    )
    .option('--host <host>', 'address to listen on (env HOST, default 127.0.0.1)')
    .option('--port <port>', 'port to listen on (env PORT, default 8000)', portOption)
    .action(async (opts: { host?: string; port?: number }) => {
      // Every setting is read (and checked) once, here; the server gets its share.
      const all = loadAppSettings();
      const settings = all.server;
      if (opts.host) settings.host = opts.host;
      if (opts.port !== undefined) settings.port = opts.port;
      // Keeps the command alive until the server has drained and closed (SIGTERM / SIGINT).
      await (await startServer({ settings, monitor: all.monitor, handleSignals: true })).closed;
    });

  serve
    .command('hash-key')
    .description(
      'Print the sha256 of an API key and the API_KEYS entry for it; with --generate, make a new random key first. The server stores only the hash.',
    )
    .argument(
      '[key]',
      'the key to hash (a key typed here may stay in the shell history; --generate avoids that)',
    )
    .option('--generate', 'generate a new random 256-bit key')
    .option('--role <role>', `role of the key: ${API_ROLES.join(' or ')}`, 'predict')
    .action((key: string | undefined, opts: { generate?: boolean; role: string }, cmd: Command) => {
      if (!API_ROLES.includes(opts.role as (typeof API_ROLES)[number]))
        throw new InvalidArgumentError(`--role must be one of: ${API_ROLES.join(', ')}`);
      if (!key && !opts.generate) throw new InvalidArgumentError('give a key to hash, or --generate');
      const theKey = opts.generate ? generateKey() : (key as string);
      const sha256 = hashKey(theKey);
      const entry = `${sha256}:${opts.role}`;
      emit(
        cmd,
        { ...(opts.generate ? { key: theKey } : {}), sha256, role: opts.role, api_keys_entry: entry },
        () =>
          [
            ...(opts.generate ? [`key (give it to the client, it is not stored): ${theKey}`] : []),
            `API_KEYS entry: ${entry}`,
            '(join several entries with commas in API_KEYS)',
          ].join('\n'),
      );
    });
}
