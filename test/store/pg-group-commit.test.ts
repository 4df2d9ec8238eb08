// PgGroupCommit on the real PostgreSQL: the rows queued jobs write stay pending until their job settled,
// committed or failed (never forever, never read as landed when it failed); settle() waits only for the
// writes of the row asked about; settleAll() waits for every job, those writing no row included; a
// failing metrics hook does not turn a commit into a retry.
import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, test } from 'node:test'
import pg from 'pg'
import { PostgresStore } from '../../src/store/postgres/postgres-store.js'
import { createTestDatabase, postgresSkip, type TestDatabase } from '../helpers/postgres.js'

const skip = await postgresSkip()
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

describe('PgGroupCommit: pending rows', { skip }, () => {
    let db: TestDatabase
    let admin: pg.Client
    let store: PostgresStore
    let n = 0
    let schema: string
    /** Read on another connection: sees only what was committed. */
    const seen = async (id: string) => (await admin.query(`SELECT v FROM ${schema}.t WHERE id = $1`, [id])).rows[0]?.v as number | undefined
    const insert = (id: string, v: number) => (c: pg.PoolClient) => c.query('INSERT INTO t (id, v) VALUES ($1, $2)', [id, v])

    before(async () => {
        db = await createTestDatabase()
        admin = new pg.Client({ connectionString: db.url })
        await admin.connect()
    })
    after(async () => {
        await store?.close()
        await admin?.end()
        await db?.drop()
    })
    beforeEach(async () => {
        await store?.close()
        schema = `g${n++}`
        await admin.query(`CREATE SCHEMA ${schema}`)
        await admin.query(`CREATE TABLE ${schema}.t (id text PRIMARY KEY, v int NOT NULL)`)
        store = await PostgresStore.open({ url: db.url, schema, poolSize: 3 })
    })

    test('settle() waits for the commit of a write of that row; other rows do not wait', async () => {
        const commits = store.commits
        // The table is locked by another session, so the batch cannot commit before the lock goes (without
        // it, the commit could land before the check that it has not, and the test failed now and then).
        const locker = new pg.Client({ connectionString: db.url })
        await locker.connect()
        try {
            await locker.query('BEGIN')
            await locker.query(`LOCK TABLE ${schema}.t IN ACCESS EXCLUSIVE MODE`)
            const written = commits.run([['session', 'a']], insert('a', 1))
            assert.equal(commits.has('session', 'a'), true)
            assert.deepEqual(commits.pendingIds('session'), ['a'])
            assert.equal(await commits.settle('session', 'other'), false)
            assert.equal(await commits.settle('user', 'a'), false, 'kinds are apart')
            let settled = false
            const settling = commits.settle('session', 'a').then((value) => ((settled = true), value))
            await sleep(100)
            assert.equal(settled, false, 'settle() waits while the write cannot commit')
            await locker.query('COMMIT')
            assert.equal(await settling, true)
            assert.equal(await seen('a'), 1, 'committed once settle() returned')
            assert.equal(commits.has('session', 'a'), false)
            await written
        } finally {
            await locker.end()
        }
    })

    test('a failed batch leaves no row pending and its failed write is not seen', async () => {
        const commits = store.commits
        await commits.run([], insert('dup', 0))
        const failing = assert.rejects(commits.run([['session', 'x']], insert('dup', 1)), /duplicate key/)
        const fine = commits.run([['session', 'y']], insert('ok', 1))
        assert.equal(await commits.settle('session', 'x'), true, 'settle() resolves although the write failed')
        await failing
        await fine
        assert.equal(commits.has('session', 'x'), false, 'released although its write failed')
        assert.equal(commits.has('session', 'y'), false)
        assert.equal(await seen('dup'), 0)
        assert.equal(await seen('ok'), 1)
        assert.equal(commits.stats.retries, 1, 'the batch was rolled back and its jobs ran one by one')
        // Alone in its batch, too.
        const alone = assert.rejects(commits.run([['user', 'z']], insert('dup', 2)))
        await commits.settleKind('user')
        await alone
        assert.deepEqual(commits.pendingIds('user'), [])
        assert.equal(commits.size, 0)
    })

    test('a newer write of a row keeps it pending while an older one commits', async () => {
        const commits = store.commits
        let release!: () => void
        const gate = new Promise<void>((r) => (release = r))
        // The first batch is held open; the second write of the row waits behind it.
        const first = commits.run([['user', 'u']], async (c) => {
            await gate
            return insert('n1', 1)(c)
        })
        await sleep(20)
        const second = commits.run([['user', 'u']], insert('n2', 2))
        const settled = commits.settle('user', 'u')
        release()
        await first
        assert.equal(commits.has('user', 'u'), true, 'the second write is still pending')
        await settled
        assert.equal(await seen('n2'), 2, 'settle() waited for the newest write of the row')
        await second
    })

    test('settleAll() waits for a committing job that writes no row', async () => {
        const commits = store.commits
        let done = false
        const job = commits.run([], async (c) => {
            await c.query('SELECT pg_sleep(0.2)')
            await insert('s', 1)(c)
        })
        void job.then(() => (done = true))
        await sleep(50) // the batch is now in flight, the queue empty
        assert.equal(commits.size, 1)
        await commits.settleAll()
        assert.equal(done, true)
        assert.equal(await seen('s'), 1)
    })

    test('sign-ins and joins asked for in one turn share one batch; a read of one commits them all', async () => {
        const T = 1_700_000_000_000
        const batches = store.commits.stats.batches
        const asked = Array.from({ length: 50 }, (_, i) =>
            i % 2
                ? store.recordSignIn({
                      nonce: { hash: `n${i}`, time: T, expiresAt: T + 1e9 },
                      user: { id: `u${i}`, handle: 'h', name: 'N', profile: {}, updatedAt: T },
                      session: { tokenHash: `t${i}`, userId: `u${i}`, createdAt: T, expiresAt: T + 1e9 },
                  })
                : store.recordJoin({
                      nonce: { hash: `n${i}`, time: T, expiresAt: T + 1e9 },
                      user: { id: `u${i}`, handle: 'h', name: 'N', profile: {}, updatedAt: T },
                      joinSession: { tokenHash: `j${i}`, roomName: 'r', userId: `u${i}`, payload: '', expiresAt: T + 1e9 },
                  }),
        )
        assert.ok(await store.getSession('t49'))
        assert.deepEqual(
            await Promise.all(asked),
            asked.map(() => true),
        )
        assert.equal(store.commits.stats.batches, batches + 1)
        assert.ok(await store.takeJoinSession('j0'))
    })

    test('a failing onCommit hook neither fails the callers nor runs their committed jobs again', async () => {
        const commits = store.commits
        commits.onCommit = () => {
            throw new Error('metrics broke')
        }
        const results = await Promise.allSettled([commits.run([], insert('o1', 1)), commits.run([], insert('o2', 2))])
        assert.deepEqual(
            results.map((r) => r.status),
            ['fulfilled', 'fulfilled'],
        )
        assert.equal(commits.stats.retries, 0)
        assert.equal(await seen('o1'), 1)
        await store.close()
    })
})
