// Migration 8 (no expiry index on sessions) on a version 7 database, and the sweep that finds expired
// sessions by the creation time at the start of their keys.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { hashToken, newToken } from '../../src/auth/tokens.js'
import { maxSessionTtlMs } from '../../src/config.js'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { databaseAtVersion, walFrames } from '../helpers/sqlite-version.js'

const T0 = 1_700_000_000_000
const hour = 3_600_000
const session = (tokenHash: string, createdAt: number, expiresAt: number) => ({ tokenHash, userId: 'u', createdAt, expiresAt })

describe('SqliteStore: migration 8 and the sweep of sessions by key', () => {
    let dir: string
    before(async () => {
        dir = await mkdtemp(join(tmpdir(), 'ensemble-migration8-'))
    })
    after(() => rm(dir, { recursive: true, force: true }))

    test('a version 7 database upgrades: the index goes, sessions with a time prefix stay, older ones go', async () => {
        const path = join(dir, 'v7.sqlite')
        const db = databaseAtVersion(path, 7)
        const insert = db.prepare('INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)')
        const live = hashToken(newToken(T0))
        insert.run(live, 'u1', T0, T0 + 168 * hour)
        insert.run(hashToken('a token from before time prefixes'), 'u2', T0, T0 + 168 * hour)
        db.close()

        const store = new SqliteStore({ path, checkpointThread: false })
        try {
            const indexes = store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'sessions'").all()
            assert.deepEqual(indexes, [], 'the primary key alone')
            assert.deepEqual(store.db.prepare('SELECT token_hash FROM sessions').all(), [{ token_hash: live }])
        } finally {
            await store.close()
        }
    })

    test('the sweep deletes expired sessions made before the longest Sonolus lifetime, keeps live web sessions', async () => {
        const store = new SqliteStore({ path: join(dir, 'sweep.sqlite'), checkpointThread: false })
        try {
            const made = (at: number, ttl: number) => {
                const tokenHash = hashToken(newToken(at))
                void store.insertSession(session(tokenHash, at, at + ttl))
                return tokenHash
            }
            const sonolus = Array.from({ length: 50 }, (_, i) => made(T0 + i * 60_000, maxSessionTtlMs))
            const web = made(T0, 168 * hour)
            const short = made(T0 + hour, 60_000) // a Sonolus TTL of one minute
            const now = T0 + hour + maxSessionTtlMs / 2
            await store.sweep(now)
            const left = new Set((store.db.prepare('SELECT token_hash FROM sessions').all() as { token_hash: string }[]).map((r) => r.token_hash))
            // Sessions made before now - maxSessionTtlMs have all expired but the web one.
            for (const [i, hash] of sonolus.entries()) {
                const expired = T0 + i * 60_000 + maxSessionTtlMs <= now
                assert.equal(left.has(hash), !expired, `session ${i}`)
            }
            assert.ok(left.has(web), 'a live web session made long ago stays')
            assert.ok(left.has(short), 'an expired session younger than the longest lifetime waits for a later sweep')
            assert.equal(await store.getSession(short).then((s) => s!.expiresAt <= now), true, 'refused when read: expired')

            await store.sweep(T0 + hour + maxSessionTtlMs)
            assert.equal(await store.getSession(short), undefined, 'gone once past the longest lifetime')
            await store.sweep(T0 + 168 * hour)
            assert.equal(await store.getSession(web), undefined, 'the web session at its expiry')

            // The sweep reads a range of the primary key, not the whole table.
            const plan = store.db
                .prepare('EXPLAIN QUERY PLAN DELETE FROM sessions WHERE token_hash < @before AND expires_at <= @now')
                .all({ before: '0', now: 0 }) as { detail: string }[]
            assert.ok(
                plan.some((p) => /SEARCH sessions USING PRIMARY KEY \(token_hash<\?\)/.test(p.detail)),
                JSON.stringify(plan),
            )
        } finally {
            await store.close()
        }
    })

    test('a sign-in writes fewer pages: the session row alone, no index entry', async () => {
        const path = join(dir, 'pages.sqlite')
        const store = new SqliteStore({ path, checkpointThread: false })
        try {
            store.db.pragma('wal_autocheckpoint = 0')
            const frames = () => walFrames(path)
            const before = await frames()
            // Batches of ten sessions, as a busy server commits them.
            for (let b = 0; b < 50; b++) {
                for (let i = 0; i < 10; i++) void store.insertSession(session(hashToken(newToken(T0 + b * 10 + i)), T0, T0 + 1000))
                store.commits.flush()
            }
            const perCommit = ((await frames()) - before) / 50
            // One B-tree: its last leaf, now and then a split (two leaves and the parent). With the expiry
            // index it was about twice as many.
            assert.ok(perCommit < 3, `${perCommit} WAL frames a commit of 10 sessions`)
        } finally {
            await store.close()
        }
    })
})
