// A SQLite database file at an older schema version, for the migration tests: the migrations up to
// `version` applied (and checked to be exactly those), the rest left for SqliteStore to apply.
import assert from 'node:assert/strict'
import Database from 'better-sqlite3'
import { migrate, migrations } from '../../src/store/sqlite/migrations.js'

export function databaseAtVersion(path: string, version: number): Database.Database {
    const db = new Database(path)
    assert.deepEqual(
        migrate(
            db,
            0,
            migrations.filter((m) => m.version <= version),
        ),
        Array.from({ length: version }, (_, i) => i + 1),
    )
    return db
}
