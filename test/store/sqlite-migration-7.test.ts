// Migration 7 (no expiry indexes on nonces and join sessions; join sessions in a rowid table) on a version 6
// database holding join sessions and nonces, and the sweep that walks those tables from their start.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import Database from 'better-sqlite3'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { databaseAtVersion, walFrames } from '../helpers/sqlite-version.js'

const session = (tokenHash: string, expiresAt: number, payload = 'p') => ({ tokenHash, roomName: 'r', userId: 'u', payload, expiresAt })

describe('SqliteStore: migration 7 and the sweep in key order', () => {
    let dir: string
    before(async () => {
        dir = await mkdtemp(join(tmpdir(), 'ensemble-migration7-'))
    })
    after(() => rm(dir, { recursive: true, force: true }))

    const indexes = (db: Database.Database) =>
        (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('nonces', 'join_sessions')").all() as { name: string }[])
            .map((r) => r.name)
            .sort()

    test('a version 6 database upgrades: its join sessions and nonces are kept and still single use', async () => {
        const path = join(dir, 'v6.sqlite')
        const db = databaseAtVersion(path, 6)
        assert.deepEqual(indexes(db), ['join_sessions_expires_at', 'nonces_by_expiry'])
        const insert = db.prepare('INSERT INTO join_sessions (token_hash, room_name, user_id, payload, expires_at) VALUES (?, ?, ?, ?, ?)')
        // Keys in an order unlike their expiry (a legacy token without time prefix among them).
        insert.run('0000000b.x', 'r', 'u1', 'one', 3000)
        insert.run('0000000a.y', 'r', 'u2', 'two', 1000)
        insert.run('legacyhash', 'r', 'u3', 'three', 2000)
        db.prepare('INSERT INTO nonces (time, hash, expires_at) VALUES (?, ?, ?)').run(500, 'n', 5000)
        db.close()

        const store = new SqliteStore({ path, checkpointThread: false })
        try {
            assert.deepEqual(indexes(store.db), ['sqlite_autoindex_join_sessions_1'], 'the token index alone')
            assert.deepEqual(
                store.db.prepare('SELECT token_hash FROM join_sessions ORDER BY rowid').all(),
                [{ token_hash: '0000000a.y' }, { token_hash: 'legacyhash' }, { token_hash: '0000000b.x' }],
                'rows in expiry order: the sweep walks them from the start',
            )
            assert.equal(await store.useNonce({ hash: 'n', time: 500, expiresAt: 5000 }), false, 'a spent nonce is still refused')
            assert.throws(() => store.db.prepare("INSERT INTO join_sessions VALUES ('0000000a.y', 'r', 'u', 'p', 1)").run(), /UNIQUE/)

            await store.sweep(1500)
            assert.equal(await store.takeJoinSession('0000000a.y'), undefined, 'expired and swept')
            assert.equal((await store.takeJoinSession('legacyhash'))!.payload, 'three')
            assert.equal(await store.takeJoinSession('legacyhash'), undefined, 'single use')
            await store.insertJoinSession(session('0000000c.z', 9000))
            assert.equal((await store.takeJoinSession('0000000c.z'))!.expiresAt, 9000)
        } finally {
            await store.close()
        }
    })

    test('the sweep deletes the expired rows at the start of each table, and everything once all expired', async () => {
        const store = new SqliteStore({ path: join(dir, 'sweep.sqlite'), checkpointThread: false })
        try {
            for (let i = 0; i < 100; i++) {
                assert.equal(await store.useNonce({ hash: `n${i}`, time: 1000 + i, expiresAt: 2000 + i }), true)
                await store.insertJoinSession(session(`j${String(i).padStart(3, '0')}`, 2000 + i))
            }
            const count = (table: string) => (store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
            await store.sweep(2049)
            assert.deepEqual([count('nonces'), count('join_sessions')], [50, 50])
            assert.equal(await store.useNonce({ hash: 'n50', time: 1050, expiresAt: 2050 }), false, 'the first live one is kept')
            assert.ok(await store.takeJoinSession('j050'))
            await store.sweep(5000)
            assert.deepEqual([count('nonces'), count('join_sessions')], [0, 0])

            // The walk to the first live row goes in key order, without sorting the table.
            for (const [table, key] of [
                ['nonces', 'time'],
                ['join_sessions', 'rowid'],
            ] as const) {
                const plan = store.db
                    .prepare(`EXPLAIN QUERY PLAN SELECT ${key} FROM ${table} WHERE expires_at > ? ORDER BY ${key} LIMIT 1`)
                    .all(0) as {
                    detail: string
                }[]
                assert.ok(!plan.some((p) => /TEMP B-TREE/.test(p.detail)), `${table}: ${JSON.stringify(plan)}`)
            }
        } finally {
            await store.close()
        }
    })

    test('a join session of a few KB stays in its page: as many pages written as for a small one', async () => {
        const path = join(dir, 'pages.sqlite')
        const store = new SqliteStore({ path, checkpointThread: false })
        try {
            store.db.pragma('wal_autocheckpoint = 0')
            const frames = () => walFrames(path)
            const pagesOf = async (payload: string, n: number) => {
                const before = await frames()
                for (let i = 0; i < 20; i++) {
                    const hash = `${n}-${i}`
                    await store.insertJoinSession(session(hash, 1e15, payload))
                    await store.takeJoinSession(hash)
                    store.commits.flush()
                }
                return (await frames()) - before
            }
            await pagesOf('warm-up', 0)
            const small = await pagesOf('x'.repeat(100), 1)
            const large = await pagesOf('x'.repeat(3000), 2)
            assert.equal(large, small, `pages for 20 joins: ${small} small, ${large} large`)
        } finally {
            await store.close()
        }
    })
})
