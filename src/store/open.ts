// Picks the Store implementation the configuration asks for.
import type { Config } from '../config.js'
import type { Store } from './store.js'
import { SqliteStore, type StoreLog } from './sqlite/sqlite-store.js'

export class StoreUnavailableError extends Error {
    override name = 'StoreUnavailableError'
}

export function openStore(config: Pick<Config, 'database'>, log?: StoreLog): Store {
    if (config.database.kind === 'postgres') {
        throw new StoreUnavailableError(
            'ENSEMBLE_DATABASE_URL names PostgreSQL, which this version of Ensemble does not implement yet; use SQLite (leave the variable unset).',
        )
    }
    return new SqliteStore({ path: config.database.path, log })
}
