/** The event store the settings choose: PostgreSQL when MONITOR_DATABASE_URL is set, else SQLite. */
import { openPostgresStore } from './postgres.js';
import { openSqliteStore } from './sqlite.js';
import type { EventStore } from './types.js';

export async function openEventStore(
  settings: { dataDir: string; databaseUrl: string },
  opts: { readonly?: boolean } = {},
): Promise<EventStore> {
  return settings.databaseUrl.trim() !== ''
    ? openPostgresStore({ url: settings.databaseUrl.trim(), ...opts })
    : openSqliteStore({ dataDir: settings.dataDir, ...opts });
}
