/**
 * A child process for the concurrency tests: registers a version and optionally promotes it through
 * the library, then prints one JSON line ({ ok, version } or { ok: false, code }).
 * Usage: node --import tsx worker.ts <registry> <artifacts> <version> [promote]
 */
import { isAppError } from '../../core/error-base.js';
import { promoteVersion } from '../champion.js';
import { registerVersion } from '../register.js';

const [registry, artifacts, version, op] = process.argv.slice(2);
try {
  await registerVersion(registry!, { artifacts: artifacts!, version: version!, by: `worker-${process.pid}` });
  if (op === 'promote') await promoteVersion(registry!, { version: version!, by: `worker-${process.pid}` });
  process.stdout.write(`${JSON.stringify({ ok: true, version })}\n`);
} catch (err) {
  process.stdout.write(`${JSON.stringify({ ok: false, code: isAppError(err) ? err.code : String(err) })}\n`);
  process.exitCode = 1;
}
