// Picks the Store implementation the configuration asks for.
import type { Config } from '../config.js'
import { StoreUnavailableError } from './errors.js'
import { PostgresStore } from './postgres/postgres-store.js'
import type { Store } from './store.js'
import { SqliteStore, type StoreLog } from './sqlite/sqlite-store.js'

export { StoreUnavailableError }

/** What a store tells the metrics, in seconds; a store calls what applies to it. */
export type StoreObservers = {
    /** Each commit of queued writes. */
    onCommit?: (seconds: number) => void
    /** Each time SQLite's checkpoint thread held the commits (so the WAL could start over). */
    onCheckpointHold?: (seconds: number) => void
}

/** Opens the store; a PostgreSQL database that cannot be reached is a StoreUnavailableError (one line). */
export async function openStore(
    config: Pick<Config, 'database'>,
    log?: StoreLog,
    now?: () => number,
    observers: StoreObservers = {},
): Promise<Store> {
    if (config.database.kind === 'postgres') return PostgresStore.open({ url: config.database.url, log, now, onCommit: observers.onCommit })
    return new SqliteStore({ path: config.database.path, log, now, ...observers })
}
