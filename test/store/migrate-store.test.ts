// npm run migrate-store: a SQLite file with every kind of row, copied into a throwaway PostgreSQL database,
// read back through the PostgreSQL store (ids kept, next ids after them); the real CLI too.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, test } from 'node:test'
import pg from 'pg'
import { copySqliteToPostgres } from '../../src/store/migrate-store.js'
import { PostgresStore } from '../../src/store/postgres/postgres-store.js'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import type { Store } from '../../src/store/store.js'
import { createTestDatabase, postgresSkip, type TestDatabase } from '../helpers/postgres.js'

const skip = await postgresSkip()
const T = 1_700_000_000_000
const cli = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/tools/migrate-store.js')

/** Writes one of everything (and some gaps in ids: a deleted chat line's id is not reused). */
async function fill(store: Store) {
    const user = { id: 'u1', handle: 'h1', name: 'Ann', profile: { id: 'u1', name: 'Ann', x: [1, 2] }, updatedAt: T }
    await store.recordSignIn({
        nonce: { hash: 'n1', time: T + 0.25, expiresAt: T + 60_000 },
        user,
        session: { tokenHash: 's1', userId: 'u1', createdAt: T, expiresAt: T + 1e9 },
    })
    await store.recordJoin({
        nonce: { hash: 'n2', time: T, expiresAt: T + 60_000 },
        user,
        joinSession: { tokenHash: 'j1', roomName: 'abc', userId: 'u1', payload: '{}', expiresAt: T + 1e9 },
    })
    await store.insertReservation({ name: 'abc', keyHash: 'k', creatorId: 'u1', values: '', createdAt: T, expiresAt: T + 1000 })
    await store.createRoomFromReservation(
        { name: 'abc', keyHash: 'k', creatorId: 'u1', now: T },
        {
            name: 'abc',
            creatorId: 'u1',
            title: 'Mine',
            passwordHash: 'ph',
            maxPlayers: 8,
            scoring: 'wins',
            teams: 2,
            allowOtherServers: false,
            optionValues: 'a=1',
            nodeId: 'node-a',
            createdAt: T,
        },
    )
    await store.insertReservation({ name: 'pending', keyHash: 'k2', creatorId: 'u1', values: 'v', createdAt: T, expiresAt: T + 1e9 })
    await store.addRoomBan('abc', 'bad', T + 1e9)
    await store.addRoomUnlock('abc', 'friend', T + 1e9)
    for (let i = 0; i < 3; i++) await store.insertChatMessage({ roomName: 'abc', userId: 'u1', type: 'text', value: `line ${i}`, at: T + i })
    await store.insertRoundResult({ roomName: 'abc', round: 1, userId: 'u1', result: { grade: 'pass', arcadeScore: 5 } as any, at: T })
    await store.insertReport({ roomName: 'abc', reporterId: 'u1', targetId: 'bad', optionValues: 'r=1', at: T })
    const resolved = await store.insertReport({ roomName: 'abc', reporterId: 'u2', targetId: 'bad', optionValues: 'r=2', at: T + 1 })
    await store.resolveReport(resolved, { at: T + 5, note: 'warned' })
    await store.putServerBan({ userId: 'bad', until: T + 1e9, reason: 'spam', createdAt: T })
    await store.putServerBan({ userId: 'gone', until: T - 1, reason: 'lapsed', createdAt: T - 10 })
    for (const action of ['ban', 'resolve', 'unban'])
        await store.insertAuditEntry({ at: T, action, target: 'bad', details: { by: 'mod', n: [1, 'x'] } })
    await store.upsertRoomMembership({ roomName: 'abc', userId: 'u1', joinedAt: T })
    const token = await store.insertApiToken({ userId: 'u1', name: 'bot', tokenHash: 'th', createdAt: T })
    await store.revokeApiToken('u1', token.id)
    await store.insertApiToken({ userId: 'u1', name: 'bot2', tokenHash: 'th2', createdAt: T })
}

/** Everything a store answers about the filled data. */
async function snapshot(store: Store) {
    return {
        user: await store.getUser('u1'),
        session: await store.getSession('s1'),
        room: await store.getRoom('abc'),
        rooms: await store.listOpenRooms({ viewerId: 'u1', now: T }),
        reservation: await store.getReservation('pending', T),
        banned: await store.isRoomBanned('abc', 'bad', T),
        unlocked: await store.isRoomUnlocked('abc', 'friend', T),
        chat: await store.listChatMessages('abc', { limit: 10 }),
        results: await store.listRoundResults('abc', { limit: 10 }),
        reports: await store.listReports({ limit: 10 }),
        openReports: await store.listReports({ open: true, limit: 10 }),
        bans: await store.listServerBans(0),
        audit: await store.listAuditEntries({ limit: 10 }),
        members: await store.listRoomMembers('abc'),
        tokens: [await store.getApiTokenByHash('th'), await store.getApiTokenByHash('th2')],
        replay: await store.useNonce({ hash: 'n1', time: T + 0.25, expiresAt: T + 60_000 }),
        joinSession: await store.takeJoinSession('j1'),
    }
}

describe('migrate-store (SQLite to PostgreSQL)', { skip }, () => {
    let dir: string
    let db: TestDatabase
    before(async () => {
        dir = await mkdtemp(join(tmpdir(), 'ensemble-migrate-'))
        db = await createTestDatabase()
    })
    after(async () => {
        await db?.drop()
        await rm(dir, { recursive: true, force: true })
    })

    test('every row and id is kept; new ids follow the copied ones; a second copy is refused', async () => {
        const path = join(dir, 'a.sqlite')
        const sqlite = new SqliteStore({ path, checkpointThread: false })
        await fill(sqlite)
        await sqlite.close()
        // What SQLite answers, read from a copy of the file (reading spends nonces and join sessions).
        const { copyFileSync } = await import('node:fs')
        copyFileSync(path, join(dir, 'b.sqlite'))
        const reference = new SqliteStore({ path: join(dir, 'b.sqlite'), checkpointThread: false })
        const expected = await snapshot(reference)
        await reference.close()

        const counts = await copySqliteToPostgres(path, db.url, {})
        assert.equal(counts.users, 1)
        assert.equal(counts.chat_messages, 3)
        const store = await PostgresStore.open({ url: db.url })
        try {
            assert.deepEqual(await snapshot(store), expected)
            assert.equal(expected.room!.nodeId, 'node-a', "the room's node came along")
            assert.equal(expected.replay, false, 'a used body stays used')
            const next = await store.insertChatMessage({ roomName: 'abc', userId: null, type: 'text', value: 'new', at: T })
            assert.equal(next, expected.chat[0]!.id + 1)
            assert.equal(await store.countOpenRooms({ viewerId: null, now: T, includeAllPrivate: true }), 1)
            assert.equal(counts.user_bans, 2)
            assert.equal(expected.reports[0]!.resolution, 'warned', 'the resolution came along')
            assert.equal(expected.audit.length, 3)
            assert.equal(await store.insertAuditEntry({ at: T, action: 'x', target: 'y', details: {} }), expected.audit[0]!.id + 1)
            assert.equal(
                await store.insertReport({ roomName: 'abc', reporterId: 'a', targetId: 'b', optionValues: '', at: T }),
                expected.reports[0]!.id + 1,
            )
            // The open-room counter came along (a cap of 1 is now full).
            await store.insertReservation({ name: 'zz', keyHash: 'k', creatorId: 'other', values: '', createdAt: T, expiresAt: T + 10 })
            assert.equal(
                await store.createRoomFromReservation(
                    { name: 'zz', keyHash: 'k', creatorId: 'other', now: T },
                    { ...expected.room!, name: 'zz', creatorId: 'other' },
                    { perCreator: 5, total: 1 },
                ),
                'serverCap',
            )
        } finally {
            await store.close()
        }
        await assert.rejects(copySqliteToPostgres(path, db.url), /already holds data/)
    })

    test('the CLI: bad arguments and a missing file exit 2; a copy exits 0 and says what it copied', async () => {
        const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' })
        assert.equal(run('--from').status, 2)
        assert.equal(run('--from', join(dir, 'missing.sqlite'), '--to', db.url).status, 2)
        assert.equal(run('--from', join(dir, 'a.sqlite'), '--to', 'mysql://x').status, 2)
        const path = join(dir, 'c.sqlite')
        const sqlite = new SqliteStore({ path, checkpointThread: false })
        await fill(sqlite)
        await sqlite.close()
        const target = await createTestDatabase()
        try {
            const ok = run('--from', path, '--to', target.url)
            assert.equal(ok.status, 0, ok.stderr)
            assert.match(ok.stderr, /copied users 1, sessions 1, nonces 2/)
            const c = new pg.Client({ connectionString: target.url })
            await c.connect()
            assert.equal((await c.query('SELECT count(*)::int AS n FROM chat_messages')).rows[0].n, 3)
            await c.end()
        } finally {
            await target.drop()
        }
    })
})
