// The storage contract on the PostgreSQL store: a throwaway database per run, a fresh schema per test.
import { after, before } from 'node:test'
import pg from 'pg'
import { PostgresStore } from '../../src/store/postgres/postgres-store.js'
import type { Store } from '../../src/store/store.js'
import { createTestDatabase, postgresSkip, type TestDatabase } from '../helpers/postgres.js'
import { storeContract } from './contract.js'

const skip = await postgresSkip()
let db: TestDatabase
let n = 0
before(async () => void (skip || (db = await createTestDatabase())))
after(async () => void (db && (await db.drop())))

/** The schema each store was opened on, to open it again. */
const schemas = new WeakMap<Store, string>()
const open = async (schema: string, now: () => number) => {
    const store = await PostgresStore.open({ url: db.url, schema, now, poolSize: 4 })
    schemas.set(store, schema)
    return store
}

storeContract(
    'PostgreSQL',
    async (clock) => {
        const schema = `s${n++}`
        const admin = new pg.Client({ connectionString: db.url })
        await admin.connect()
        await admin.query(`CREATE SCHEMA ${schema}`)
        await admin.end()
        return open(schema, clock.now)
    },
    { skip, reopen: (closed, clock) => open(schemas.get(closed)!, clock.now) },
)
