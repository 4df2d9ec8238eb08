// Picks the Store implementation the configuration asks for.
import type { Config } from '../config.js'
import type { Store } from './store.js'
import { SqliteStore, type StoreLog } from './sqlite/sqlite-store.js'

export class StoreUnavailableError extends Error {
    override name = 'StoreUnavailableError'
}

/** `onCommit` is told each write commit's duration in seconds (metrics); a store calls it where it can. */
export function openStore(config: Pick<Config, 'database'>, log?: StoreLog, onCommit?: (seconds: number) => void): Store {
    if (config.database.kind === 'postgres') {
        throw new StoreUnavailableError(
            'ENSEMBLE_DATABASE_URL names PostgreSQL, which this version of Ensemble does not implement yet; use SQLite (leave the variable unset).',
        )
    }
    return new SqliteStore({ path: config.database.path, log, onCommit })
}
