/** The event store the settings choose: PostgreSQL when MONITOR_DATABASE_URL is set, else SQLite. */
import { openSqliteStore } from './sqlite.js';
import type { EventStore } from './types.js';

export async function openEventStore(
  settings: { dataDir: string; databaseUrl: string },
  opts: { readonly?: boolean } = {},
): Promise<EventStore> {
  return settings.databaseUrl.trim() !== ''
    ? // pg costs ~0.1 s to import: loaded only when PostgreSQL is configured.
      (await import('./postgres.js')).openPostgresStore({ url: settings.databaseUrl.trim(), ...opts })
    : openSqliteStore({ dataDir: settings.dataDir, ...opts });
}
