// What only the PostgreSQL store has: migrations under an advisory lock (several nodes starting at once),
// a schema from a newer Ensemble refused, an unreachable server at start, connections lost while running.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import pg from 'pg'
import { StoreUnavailableError } from '../../src/store/errors.js'
import { migrate, migrations } from '../../src/store/postgres/migrations.js'
import { PostgresStore } from '../../src/store/postgres/postgres-store.js'
import { createTestDatabase, postgresSkip, type TestDatabase } from '../helpers/postgres.js'

const skip = await postgresSkip()

describe('PostgresStore', { skip }, () => {
    let db: TestDatabase
    let admin: pg.Client
    let n = 0
    const schema = async () => {
        const name = `p${n++}`
        await admin.query(`CREATE SCHEMA ${name}`)
        return name
    }
    before(async () => {
        db = await createTestDatabase()
        admin = new pg.Client({ connectionString: db.url })
        await admin.connect()
    })
    after(async () => {
        await admin?.end()
        await db?.drop()
    })

    test('six nodes starting at once migrate once', async () => {
        const s = await schema()
        const stores = await Promise.all(Array.from({ length: 6 }, () => PostgresStore.open({ url: db.url, schema: s, poolSize: 1 })))
        try {
            const rows = (await admin.query(`SELECT version FROM ${s}.schema_migrations ORDER BY version`)).rows
            assert.deepEqual(
                rows.map((r) => r.version),
                migrations.map((m) => m.version),
            )
            // They all work on the one schema.
            await stores[0]!.upsertUser({ id: 'u', handle: 'h', name: 'N', profile: {}, updatedAt: 1 })
            assert.equal((await stores[5]!.getUser('u'))!.name, 'N')
        } finally {
            await Promise.all(stores.map((st) => st.close()))
        }
    })

    test('a version 1 database upgrades to 2 with its reports open; moderation records work', async () => {
        const s = await schema()
        const old = new pg.Client({ connectionString: db.url, options: `-c search_path=${s}` })
        await old.connect()
        try {
            assert.deepEqual(await migrate(old as unknown as pg.PoolClient, 0, migrations.slice(0, 1)), [1])
            await old.query(`INSERT INTO reports (room_name, reporter_id, target_id, option_values, at) VALUES ('r', 'a', 'b', '', 5)`)
        } finally {
            await old.end()
        }
        const store = await PostgresStore.open({ url: db.url, schema: s })
        try {
            const [report] = await store.listReports({ open: true, limit: 10 })
            assert.deepEqual(report, {
                id: report!.id,
                roomName: 'r',
                reporterId: 'a',
                targetId: 'b',
                optionValues: '',
                at: 5,
                resolvedAt: null,
                resolution: null,
            })
            assert.equal((await store.resolveReport(report!.id, { at: 9, note: 'done' }))!.resolvedAt, 9)
            await store.putServerBan({ userId: 'b', until: 100, reason: 'x', createdAt: 1 })
            assert.equal((await store.listServerBans(50)).length, 1)
            assert.ok((await store.insertAuditEntry({ at: 9, action: 'resolve', target: 'b', details: {} })) > 0)
        } finally {
            await store.close()
        }
    })

    test('a version 2 database upgrades to 3: its rooms have no node and are swept; the counter stays exact', async () => {
        const s = await schema()
        const old = new pg.Client({ connectionString: db.url, options: `-c search_path=${s}` })
        await old.connect()
        try {
            assert.deepEqual(await migrate(old as unknown as pg.PoolClient, 0, migrations.slice(0, 2)), [1, 2])
            await old.query(`INSERT INTO rooms (name, creator_id, title, max_players, scoring, teams, allow_other_servers, option_values,
                created_at, updated_at, closed_at) SELECT 'old' || i, 'c' || i, 't', 8, 'arcade', 0, true, '', 1000, 1000,
                CASE WHEN i < 3 THEN NULL ELSE 1500 END FROM generate_series(0, 4) i`)
        } finally {
            await old.end()
        }
        const store = await PostgresStore.open({ url: db.url, schema: s })
        const count = async () => Number((await admin.query(`SELECT open_rooms FROM ${s}.room_totals`)).rows[0].open_rooms)
        try {
            assert.equal((await store.getRoom('old0'))!.nodeId, null)
            assert.equal(await count(), 3)
            assert.deepEqual((await store.closeRoomsOfDeadNodes(['node-a'], 2000, 3000)).sort(), ['old0', 'old1', 'old2'])
            assert.equal(await count(), 0)
            assert.equal((await store.getRoom('old3'))!.closedAt, 1500, 'closed rooms keep their closing time')
            // Single updates: a close and a reopen count, a title change does not.
            await store.updateRoom('old0', { closedAt: null })
            await store.updateRoom('old0', { title: 'renamed' })
            assert.equal(await count(), 1)
            await store.updateRoom('old0', { closedAt: 4000 })
            assert.equal(await count(), 0)
        } finally {
            await store.close()
        }
    })

    test('onCommit is told each group-commit batch duration in seconds', async () => {
        const seconds: number[] = []
        const store = await PostgresStore.open({ url: db.url, schema: await schema(), onCommit: (s) => seconds.push(s) })
        try {
            await Promise.all([1, 2, 3].map((i) => store.insertSession({ tokenHash: `t${i}`, userId: 'u', createdAt: 0, expiresAt: 1 })))
            await store.insertChatMessage({ roomName: 'r', userId: 'u', type: 'text', value: 'x', at: 0 })
            assert.equal(seconds.length, store.commits.stats.batches)
            assert.ok(seconds.length >= 2)
            assert.ok(
                seconds.every((x) => x > 0 && x < 10),
                String(seconds),
            )
        } finally {
            await store.close()
        }
    })

    test('migrations are stamped with the injected clock', async () => {
        const s = await schema()
        await (await PostgresStore.open({ url: db.url, schema: s, now: () => 4242 })).close()
        assert.deepEqual((await admin.query(`SELECT DISTINCT applied_at FROM ${s}.schema_migrations`)).rows, [{ applied_at: '4242' }])
    })

    test('a database from a newer Ensemble is refused with one line', async () => {
        const s = await schema()
        await (await PostgresStore.open({ url: db.url, schema: s })).close()
        await admin.query(`INSERT INTO ${s}.schema_migrations VALUES (999, 'future', 0)`)
        await assert.rejects(
            PostgresStore.open({ url: db.url, schema: s }),
            (e: Error) => e instanceof StoreUnavailableError && /newer than this Ensemble/.test(e.message) && !e.message.includes('\n'),
        )
    })

    test('an unreachable server at start: StoreUnavailableError naming it, without the password', async () => {
        await assert.rejects(PostgresStore.open({ url: 'postgres://me:hunter2@127.0.0.1:1/x' }), (e: Error) => {
            assert.ok(e instanceof StoreUnavailableError)
            assert.match(e.message, /^cannot reach PostgreSQL at 127\.0\.0\.1:1\/x: /)
            assert.doesNotMatch(e.message, /hunter2/)
            return true
        })
    })

    test('a connection killed while a transaction holds it between statements: run again, no uncaught error', async () => {
        const s = await schema()
        const store = await PostgresStore.open({ url: db.url, schema: s, poolSize: 2 })
        try {
            let runs = 0
            const answer = await store.commits.run([], async (c) => {
                if (runs++ === 0) {
                    const pid = (await c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid
                    await admin.query('SELECT pg_terminate_backend($1)', [pid])
                    // The server's goodbye arrives while no statement is running on the client.
                    await new Promise((r) => setTimeout(r, 200))
                }
                return (await c.query('SELECT 42 AS x')).rows[0].x
            })
            assert.equal(answer, 42)
            assert.equal(runs, 2, 'the transaction ran again on a fresh connection')
        } finally {
            await store.close()
        }
    })

    test('connections killed while running: reads and writes go on (retried), nothing crashes', async () => {
        const s = await schema()
        const errors: unknown[] = []
        const store = await PostgresStore.open({ url: db.url, schema: s, poolSize: 3, log: { error: (o) => void errors.push(o) } })
        try {
            const T = 1_700_000_000_000
            const signIn = (i: number) =>
                store.recordSignIn({
                    nonce: { hash: `n${i}`, time: T, expiresAt: T + 1e9 },
                    user: { id: `u${i}`, handle: 'h', name: 'N', profile: {}, updatedAt: T },
                    session: { tokenHash: `t${i}`, userId: `u${i}`, createdAt: T, expiresAt: T + 1e9 },
                })
            // Fill the pool with open connections, then kill every one of them on the server.
            await Promise.all([0, 1, 2].map(signIn))
            await Promise.all([0, 1, 2].map((i) => store.getSession(`t${i}`)))
            const killed = await admin.query(
                `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
            )
            assert.ok(killed.rowCount! >= 1)
            await new Promise((r) => setTimeout(r, 100))
            assert.deepEqual(await Promise.all([3, 4, 5].map(signIn)), [true, true, true])
            for (const i of [0, 3, 5]) assert.ok(await store.getSession(`t${i}`))
            assert.equal(await store.countOpenRooms({ viewerId: null, now: T }), 0)
            // Killed again in the middle of traffic.
            const traffic = Promise.all(Array.from({ length: 30 }, (_, i) => signIn(10 + i)))
            await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)
            const outcomes = await Promise.allSettled([traffic])
            // A write whose COMMIT was cut may fail (its outcome is unknown); none may crash the process, and
            // every one that answered true is there.
            if (outcomes[0].status === 'fulfilled') {
                for (let i = 0; i < 30; i++) if (outcomes[0].value[i]) assert.ok(await store.getSession(`t${10 + i}`))
            }
            assert.ok(await store.getUser('u0'))
        } finally {
            await store.close()
        }
    })
})
