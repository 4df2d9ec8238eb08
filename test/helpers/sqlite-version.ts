// A SQLite database file at an older schema version, for the migration tests: the migrations up to
// `version` applied (and checked to be exactly those), the rest left for SqliteStore to apply; and how many
// pages a database's WAL holds, for the tests that count the pages a write costs.
import assert from 'node:assert/strict'
import Database from 'better-sqlite3'
import { stat } from 'node:fs/promises'
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

/** Frames in the WAL file of the database at `path` (a 32-byte header, then a 24-byte header and a 4 KiB page each). */
export async function walFrames(path: string): Promise<number> {
    return ((await stat(`${path}-wal`)).size - 32) / (4096 + 24)
}
