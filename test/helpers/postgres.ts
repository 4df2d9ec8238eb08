// A throwaway PostgreSQL database for a test run: CREATE DATABASE ensemble_test_<random> on the server of
// ENSEMBLE_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test), dropped at the end.
// Unreachable server: tests skip, except under CI=true, where they must fail instead.
import { createHash, randomBytes } from 'node:crypto'
import pg from 'pg'

export const adminUrl = process.env.ENSEMBLE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

export type TestDatabase = { url: string; drop(): Promise<void> }

const withAdmin = async <T>(work: (c: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 })
    await client.connect()
    try {
        return await work(client)
    } finally {
        await client.end()
    }
}

/** Why PostgreSQL tests skip (unreachable, outside CI), or false to run them. Under CI=true, throws. */
export async function postgresSkip(): Promise<string | false> {
    try {
        await withAdmin((c) => c.query('SELECT 1'))
        return false
    } catch (e) {
        if (process.env.CI === 'true') throw new Error(`PostgreSQL unreachable at ${adminUrl} under CI: ${(e as Error).message}`, { cause: e })
        return `PostgreSQL unreachable at ${adminUrl}`
    }
}

export async function createTestDatabase(): Promise<TestDatabase> {
    const name = `ensemble_test_${randomBytes(6).toString('hex')}`
    await withAdmin((c) => c.query(`CREATE DATABASE ${name}`))
    const url = new URL(adminUrl)
    url.pathname = `/${name}`
    return {
        url: url.toString(),
        drop: () => withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
    }
}

let shared: Promise<TestDatabase> | undefined

/**
 * A PostgreSQL store for a test server (ENSEMBLE_TEST_STORE=postgres): one throwaway database per test
 * process, dropped when the process is done; one schema per data directory.
 */
export async function postgresTestStore(dataDir: string, now: () => number, onCommit?: (seconds: number) => void) {
    const { PostgresStore } = await import('../../src/store/postgres/postgres-store.js')
    if (!shared) {
        shared = createTestDatabase()
        let dropped = false
        process.on('beforeExit', () => {
            if (dropped) return
            dropped = true
            void shared!.then((db) => db.drop())
        })
    }
    const db = await shared
    const schema = 's_' + createHash('sha256').update(dataDir).digest('hex').slice(0, 16)
    const client = new pg.Client({ connectionString: db.url })
    await client.connect()
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
    await client.end()
    return PostgresStore.open({ url: db.url, schema, now, poolSize: 4, onCommit })
}
