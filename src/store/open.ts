// Picks the Store implementation the configuration asks for.
import type { Config } from '../config.js'
import { StoreUnavailableError } from './errors.js'
import { PostgresStore } from './postgres/postgres-store.js'
import type { Store } from './store.js'
import { SqliteStore, type StoreLog } from './sqlite/sqlite-store.js'

export { StoreUnavailableError }

/**
 * Opens the store; a PostgreSQL database that cannot be reached is a StoreUnavailableError (one line).
 * `onCommit` is told each write commit's duration in seconds (metrics); a store calls it where it can.
 */
export async function openStore(
    config: Pick<Config, 'database'>,
    log?: StoreLog,
    now?: () => number,
    onCommit?: (seconds: number) => void,
): Promise<Store> {
    if (config.database.kind === 'postgres') return PostgresStore.open({ url: config.database.url, log, now, onCommit })
    return new SqliteStore({ path: config.database.path, log, now, onCommit })
}
