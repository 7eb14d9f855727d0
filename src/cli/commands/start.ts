import type { Command } from 'commander';
import { loadAppSettings } from '../../app/settings.js';
import { progressFor } from '../output.js';
import { portOption } from './serve.js';

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description(
      'The main job (`npm start`): on an empty registry, ingest (--source, else data/raw/*.xlsx, else a synthetic workbook), train, register v1.0.0 and promote it; when the champion was trained on synthetic data and a real workbook is given (--source or data/raw/*.xlsx), train on it, register the next version and promote it; then serve MODEL_VERSION=champion. A champion trained on real data is never replaced here (use `defasagem retrain`); a registry with versions but no champion is refused (promote one with `defasagem registry promote`).',
    )
    .option(
      '--source <path>',
      'PEDE workbook (.xlsx) or CSV directory to train on: the first model, or the replacement of a synthetic champion',
    )
    .option('--host <host>', 'address to listen on (env HOST, default 127.0.0.1)')
    .option('--port <port>', 'port to listen on (env PORT, default 8000)', portOption)
    .action(async (opts: { source?: string; host?: string; port?: number }, cmd: Command) => {
      // Every setting is read (and checked) once, here, and passed down to the registry and the server.
      const settings = loadAppSettings();
      if (opts.host) settings.server.host = opts.host;
      if (opts.port !== undefined) settings.server.port = opts.port;
      const { startAndServe } = await import('../../app/start.js');
      const { prepared, server } = await startAndServe({
        settings,
        source: opts.source ?? null,
        progress: progressFor(cmd),
        say: (line) => process.stderr.write(`${line}\n`),
      });
      const did =
        prepared.action === 'created'
          ? `champion ${prepared.version} created in ${prepared.elapsedMs} ms; `
          : prepared.action === 'replaced'
            ? `champion ${prepared.previous} (synthetic) replaced by ${prepared.version} in ${prepared.elapsedMs} ms; `
            : '';
      // What is served now (the holder read it from the model's metadata), not what the job expected.
      const synthetic = server.holder.current ? server.holder.current.synthetic : prepared.synthetic;
      const data =
        synthetic === true
          ? 'trained on SYNTHETIC data'
          : synthetic === false
            ? 'trained on real data'
            : 'training data not recorded';
      process.stderr.write(
        `${did}serving MODEL_VERSION=champion (${server.holder.current?.version ?? prepared.version}, ${data}) at ${server.url} (docs: ${server.url}/docs)\n`,
      );
      await server.closed;
    });
}
