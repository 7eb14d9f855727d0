import { createRequire } from 'node:module';
import type cliProgressModule from 'cli-progress';

// cli-progress (CommonJS) is required when a bar is first drawn, on a TTY: the server and every
// non-interactive run never load it (~10 ms of every start-up otherwise).
type CliProgress = typeof cliProgressModule;
let loaded: CliProgress | undefined;
const cliProgress = (): CliProgress => {
  loaded ??= createRequire(import.meta.url)('cli-progress') as CliProgress;
  return loaded;
};

/**
 * Progress reporting for long work. Library code takes a `Progress` and never prints; the CLI gives it
 * a bar on a TTY and quiet lines elsewhere (CI, pipes), or `silentProgress` with --json.
 */
export interface Progress {
  /** Starts a stage of `total` steps. */
  stage(label: string, total: number): void;
  /** Advances the current stage by `n` steps (default 1). */
  tick(n?: number): void;
  /** Ends the current stage. */
  done(): void;
}

export const silentProgress: Progress = { stage() {}, tick() {}, done() {} };

export function cliProgressFor(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY || process.env.CI) return lineProgress(stream);
  let bar: cliProgressModule.SingleBar | null = null;
  return {
    stage(label, total) {
      bar?.stop();
      bar = new (cliProgress().SingleBar)(
        {
          format: `${label.padEnd(28)} [{bar}] {value}/{total}`,
          stream,
          hideCursor: true,
          clearOnComplete: false,
        },
        cliProgress().Presets.shades_classic,
      );
      bar.start(total, 0);
    },
    tick(n = 1) {
      bar?.increment(n);
    },
    done() {
      bar?.stop();
      bar = null;
    },
  };
}

/** One line per stage start and end: readable in CI logs. */
function lineProgress(stream: NodeJS.WritableStream): Progress {
  let label = '';
  let started = 0;
  return {
    stage(l, total) {
      label = l;
      started = performance.now();
      stream.write(`… ${l} (${total})\n`);
    },
    tick() {},
    done() {
      if (label) stream.write(`✓ ${label} (${Math.round(performance.now() - started)} ms)\n`);
      label = '';
    },
  };
}
