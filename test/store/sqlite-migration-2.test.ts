// Migration 2 on a database of version 1: the nonces spent before the upgrade (now in nonces_legacy)
// still refuse replays until sweep removes them.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import Database from 'better-sqlite3'
import { migrate, migrations } from '../../src/store/sqlite/migrations.js'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'

describe('SqliteStore: migration 2 (nonces_legacy)', () => {
    let dir: string
    before(async () => {
        dir = await mkdtemp(join(tmpdir(), 'ensemble-migration-'))
    })
    after(() => rm(dir, { recursive: true, force: true }))

    /** A file at schema version 1 with nonces spent by an Ensemble of that version. */
    const version1 = (name: string, nonces: { hash: string; expiresAt: number }[]) => {
        const path = join(dir, name)
        const db = new Database(path)
        db.pragma('journal_mode = WAL')
        assert.deepEqual(
            migrate(
                db,
                0,
                migrations.filter((m) => m.version === 1),
            ),
            [1],
        )
        const insert = db.prepare('INSERT INTO nonces (hash, expires_at) VALUES (?, ?)')
        for (const n of nonces) insert.run(n.hash, n.expiresAt)
        db.close()
        return path
    }

    test('an old nonce is refused until swept past its expiry, then usable again', async () => {
        const path = version1('v1.sqlite', [
            { hash: 'old-a', expiresAt: 5000 },
            { hash: 'old-b', expiresAt: 9000 },
        ])
        const store = new SqliteStore({ path, checkpointThread: false })
        try {
            const versions = store.db.prepare('SELECT version FROM schema_migrations ORDER BY version').all()
            assert.deepEqual(
                versions,
                migrations.map((m) => ({ version: m.version })),
            )
            const columns = (table: string) => (store.db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name)
            assert.deepEqual(columns('nonces_legacy'), ['hash', 'expires_at'])
            assert.deepEqual(columns('nonces'), ['time', 'hash', 'expires_at'])
            const legacyRows = () => (store.db.prepare('SELECT hash FROM nonces_legacy ORDER BY hash').all() as { hash: string }[]).map((r) => r.hash)
            assert.deepEqual(legacyRows(), ['old-a', 'old-b'])

            // Replays of bodies spent before the upgrade are refused, whatever time they carry.
            assert.equal(await store.useNonce({ hash: 'old-a', time: 1000, expiresAt: 5000 }), false)
            assert.equal(await store.useNonce({ hash: 'old-b', time: 2000, expiresAt: 9000 }), false)
            const user = { id: 'u', handle: '1', name: 'U', profile: {}, updatedAt: 1 }
            assert.equal(
                await store.recordSignIn({
                    nonce: { hash: 'old-a', time: 1, expiresAt: 5000 },
                    user,
                    session: { tokenHash: 't', userId: 'u', createdAt: 1, expiresAt: 1e15 },
                }),
                false,
            )
            assert.equal(await store.getSession('t'), undefined)
            assert.equal(await store.recordJoin({ nonce: { hash: 'old-b', time: 1, expiresAt: 9000 }, user }), false)
            assert.equal(await store.getUser('u'), undefined)
            // A body never spent is fine.
            assert.equal(await store.useNonce({ hash: 'new', time: 3000, expiresAt: 8000 }), true)

            // Sweep before their expiry: still refused.
            await store.sweep(4000)
            assert.deepEqual(legacyRows(), ['old-a', 'old-b'])
            assert.equal(await store.useNonce({ hash: 'old-a', time: 1000, expiresAt: 5000 }), false)

            // Past the first one's expiry: that one is forgotten, the other still refused. A nonce whose own
            // expiry the sweep has passed is refused whatever the tables say (its use may have been swept).
            await store.sweep(6000)
            assert.deepEqual(legacyRows(), ['old-b'])
            assert.equal(await store.useNonce({ hash: 'old-a', time: 1000, expiresAt: 5000 }), false)
            assert.equal(await store.useNonce({ hash: 'old-a', time: 1000, expiresAt: 20000 }), true)
            assert.equal(await store.useNonce({ hash: 'old-b', time: 2000, expiresAt: 9000 }), false)

            // Past every expiry: the legacy table is empty and the last one usable.
            await store.sweep(9001)
            assert.deepEqual(legacyRows(), [])
            assert.equal(await store.useNonce({ hash: 'old-b', time: 2000, expiresAt: 20000 }), true)
            // Spent now in the new table: a replay is refused there.
            assert.equal(await store.useNonce({ hash: 'old-b', time: 2000, expiresAt: 20000 }), false)
        } finally {
            await store.close()
        }
    })

    test('the legacy nonces survive a restart between upgrade and sweep', async () => {
        const path = version1('restart.sqlite', [{ hash: 'kept', expiresAt: 5000 }])
        const first = new SqliteStore({ path, checkpointThread: false })
        await first.close()
        const store = new SqliteStore({ path, checkpointThread: false })
        try {
            assert.equal(await store.useNonce({ hash: 'kept', time: 1, expiresAt: 5000 }), false)
            await store.sweep(5001)
            assert.equal(await store.useNonce({ hash: 'kept', time: 1, expiresAt: 9000 }), true)
        } finally {
            await store.close()
        }
    })

    test('a fresh database has an empty nonces_legacy and no index of sessions by user', async () => {
        const store = new SqliteStore({ path: join(dir, 'fresh.sqlite'), checkpointThread: false })
        try {
            assert.deepEqual(store.db.prepare('SELECT * FROM nonces_legacy').all(), [])
            const indexes = (
                store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'sessions'").all() as { name: string }[]
            ).map((r) => r.name)
            assert.ok(!indexes.includes('sessions_user_id'), indexes.join())
            assert.equal(await store.useNonce({ hash: 'h', time: 1, expiresAt: 10 }), true)
            assert.equal(await store.useNonce({ hash: 'h', time: 1, expiresAt: 10 }), false)
        } finally {
            await store.close()
        }
    })
})
