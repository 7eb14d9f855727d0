/**
 * A private PostgreSQL cluster for the event-store tests, started by scripts/pg/start.sh (idempotent;
 * .ci/run starts it before the tests). Where PostgreSQL is not installed the PostgreSQL tests are
 * skipped and this says so loudly. Each test gets a database of its own.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { REPO_ROOT } from '../../registry/testing/spawn.js';

let url: string | null | undefined;

/** The cluster's URL (its `postgres` database), or null when there is none. */
export function pgTestUrl(): string | null {
  if (url !== undefined) return url;
  const r = spawnSync('bash', [path.join(REPO_ROOT, 'scripts/pg/start.sh')], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  const m = /^DATABASE_URL=(.+)$/m.exec(r.stdout ?? '');
  if (r.status !== 0 || !m) {
    console.warn(
      `\n!!! PostgreSQL event-store tests SKIPPED: scripts/pg/start.sh failed (exit ${r.status}): ${(r.stderr || r.stdout || '').trim().slice(0, 400)}\n!!! apt-get install -y postgresql\n`,
    );
    url = null;
    return url;
  }
  url = m[1]!.trim();
  return url;
}

/** A fresh, empty database on the test cluster; its URL. */
export async function freshDatabase(): Promise<string> {
  const base = pgTestUrl();
  if (!base) throw new Error('no PostgreSQL test cluster (see pgTestUrl)');
  const name = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const u = new URL(base);
  u.pathname = `/${name}`;
  return u.toString();
}
