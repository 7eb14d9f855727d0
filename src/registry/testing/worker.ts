/**
 * A child process for the concurrency, crash and lock tests: acts on a registry through the library
 * and prints one JSON line ({ ok, version } or { ok: false, code }).
 * Usage: node --import tsx worker.ts <registry> <register|register-promote|promote> <version|bump:KIND> [artifacts]
 * Lock timings come from the environment (REGISTRY_LOCK_TIMEOUT_MS, REGISTRY_LOCK_LEASE_MS).
 */
import { isAppError } from '../../core/error-base.js';
import { promoteVersion } from '../champion.js';
import { registerVersion } from '../register.js';
import type { BumpKind } from '../semver.js';

const [registry, action, target, artifacts] = process.argv.slice(2);
const by = `worker-${process.pid}`;
try {
  let version = target!;
  if (action === 'register' || action === 'register-promote') {
    const bump = target!.startsWith('bump:') ? (target!.slice(5) as BumpKind) : undefined;
    const r = await registerVersion(registry!, {
      artifacts: artifacts!,
      ...(bump ? { bump } : { version }),
      by,
    });
    version = r.version;
  }
  if (action === 'promote' || action === 'register-promote') await promoteVersion(registry!, { version, by });
  process.stdout.write(`${JSON.stringify({ ok: true, version })}\n`);
} catch (err) {
  process.stdout.write(`${JSON.stringify({ ok: false, code: isAppError(err) ? err.code : String(err) })}\n`);
  process.exitCode = 1;
}
