// The storage contract on the PostgreSQL store: a throwaway database per run, a fresh schema per test.
import { after, before } from 'node:test'
import pg from 'pg'
import { PostgresStore } from '../../src/store/postgres/postgres-store.js'
import { createTestDatabase, postgresSkip, type TestDatabase } from '../helpers/postgres.js'
import { storeContract } from './contract.js'

const skip = await postgresSkip()
let db: TestDatabase
let n = 0
before(async () => void (skip || (db = await createTestDatabase())))
after(async () => void (db && (await db.drop())))

storeContract(
    'PostgreSQL',
    async (clock) => {
        const schema = `s${n++}`
        const admin = new pg.Client({ connectionString: db.url })
        await admin.connect()
        await admin.query(`CREATE SCHEMA ${schema}`)
        await admin.end()
        return PostgresStore.open({ url: db.url, schema, now: clock.now, poolSize: 4 })
    },
    { skip },
)
