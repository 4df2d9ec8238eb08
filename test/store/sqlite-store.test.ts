// The SQLite Store on a real file: migrations, every method the services and the WebSocket layer use.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import Database from 'better-sqlite3'
import { hashToken, newToken } from '../../src/auth/tokens.js'
import { maxSessionTtlMs } from '../../src/config.js'
import { migrate, migrations } from '../../src/store/sqlite/migrations.js'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import type { NewRoom } from '../../src/store/store.js'
import { newRoom } from '../helpers/rooms.js'

const room = (name: string, extra: Partial<NewRoom> = {}): NewRoom => newRoom(name, { maxPlayers: 16, optionValues: 'type=room', ...extra })

describe('SqliteStore', () => {
    let dir: string
    let path: string
    let store: SqliteStore
    before(async () => {
        dir = await mkdtemp(join(tmpdir(), 'ensemble-store-'))
        path = join(dir, 'sub', 'ensemble.sqlite')
        store = new SqliteStore({ path })
    })
    after(async () => {
        await store.close()
        await rm(dir, { recursive: true, force: true })
    })

    /** Reserves and claims a room in one go. */
    const makeRoom = async (r: NewRoom) => {
        await store.insertReservation({
            name: r.name,
            keyHash: 'k',
            creatorId: r.creatorId,
            values: '',
            createdAt: r.createdAt,
            expiresAt: r.createdAt + 1000,
        })
        const created = await store.createRoomFromReservation({ name: r.name, keyHash: 'k', creatorId: r.creatorId, now: r.createdAt }, r)
        assert.ok(created && typeof created !== 'string')
        return created
    }

    test('WAL mode and a recorded schema version; migrating again is a no-op', () => {
        assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal')
        const versions = store.db.prepare('SELECT version FROM schema_migrations').all()
        assert.deepEqual(
            versions,
            migrations.map((m) => ({ version: m.version })),
        )
        assert.deepEqual(migrate(store.db, 0), [])
    })

    test('migrations are stamped with the injected clock', async () => {
        const other = new SqliteStore({ path: ':memory:', now: () => 4242 })
        try {
            const stamps = other.db.prepare('SELECT DISTINCT applied_at FROM schema_migrations').all()
            assert.deepEqual(stamps, [{ applied_at: 4242 }])
        } finally {
            await other.close()
        }
    })

    test('a database from a newer Ensemble is refused', () => {
        const db = new Database(':memory:')
        migrate(db, 0)
        db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, ?, 0)').run('future')
        assert.throws(() => migrate(db, 0), /newer than this Ensemble/)
        db.close()
    })

    test('users keep the profile as sent', async () => {
        const profile = { id: 'u1', handle: '1', name: 'A', socialLinks: [{ title: 't', address: 'a' }] }
        await store.upsertUser({ id: 'u1', handle: '1', name: 'A', profile, updatedAt: 1 })
        await store.upsertUser({ id: 'u1', handle: '1', name: 'B', profile: { ...profile, name: 'B' }, updatedAt: 2 })
        const user = await store.getUser('u1')
        assert.equal(user?.name, 'B')
        assert.deepEqual(user?.profile, { ...profile, name: 'B' })
        assert.equal(await store.getUser('nobody'), undefined)
    })

    test('sessions and nonces', async () => {
        await store.insertSession({ tokenHash: 'h', userId: 'u1', createdAt: 1, expiresAt: 100 })
        assert.deepEqual(await store.getSession('h'), { tokenHash: 'h', userId: 'u1', createdAt: 1, expiresAt: 100 })
        await store.deleteSession('h')
        assert.equal(await store.getSession('h'), undefined)
        assert.equal(await store.useNonce({ hash: 'n', time: 1, expiresAt: 100 }), true)
        assert.equal(await store.useNonce({ hash: 'n', time: 1, expiresAt: 100 }), false)
    })

    test('a sign-in is one transaction: a spent nonce writes nothing', async () => {
        const user = { id: 'signin', handle: '7', name: 'First', profile: { id: 'signin' }, updatedAt: 1 }
        const ok = await store.recordSignIn({
            nonce: { hash: 'sn', time: 1, expiresAt: 100 },
            user,
            session: { tokenHash: 's1', userId: 'signin', createdAt: 1, expiresAt: 50 },
        })
        assert.equal(ok, true)
        assert.ok(await store.getSession('s1'))
        const again = await store.recordSignIn({
            nonce: { hash: 'sn', time: 1, expiresAt: 100 },
            user: { ...user, name: 'Second' },
            session: { tokenHash: 's2', userId: 'signin', createdAt: 2, expiresAt: 50 },
        })
        assert.equal(again, false)
        assert.equal(await store.getSession('s2'), undefined)
        assert.equal((await store.getUser('signin'))?.name, 'First')
    })

    test('upserting an identical profile leaves the row untouched', async () => {
        const user = { id: 'same', handle: '1', name: 'Same', profile: { a: 1 }, updatedAt: 1 }
        await store.upsertUser(user)
        await store.upsertUser({ ...user, updatedAt: 2 })
        assert.equal((await store.getUser('same'))?.updatedAt, 1)
        await store.upsertUser({ ...user, profile: { a: 2 }, updatedAt: 3 })
        assert.equal((await store.getUser('same'))?.updatedAt, 3)
    })

    test('join sessions are taken once', async () => {
        await store.insertJoinSession({ tokenHash: 'j', roomName: 'r', userId: 'u', payload: '{"a":1}', expiresAt: 50 })
        assert.equal((await store.takeJoinSession('j'))?.payload, '{"a":1}')
        assert.equal(await store.takeJoinSession('j'), undefined)
    })

    test('reservations: the name is held until it lapses; claimed once, by the right key and creator', async () => {
        await store.insertReservation({ name: 'resv', keyHash: 'k1', creatorId: 'c', values: 'v', createdAt: 0, expiresAt: 100 })
        assert.equal(await store.isRoomNameTaken('resv', 50), true)
        await assert.rejects(store.insertReservation({ name: 'resv', keyHash: 'k2', creatorId: 'd', values: '', createdAt: 50, expiresAt: 150 }))
        assert.equal((await store.getReservation('resv', 50))?.values, 'v')
        assert.equal(await store.getReservation('resv', 100), undefined, 'lapsed')
        assert.equal(await store.isRoomNameTaken('resv', 100), false)
        // after lapsing, the name can be reserved again
        await store.insertReservation({ name: 'resv', keyHash: 'k3', creatorId: 'e', values: '', createdAt: 100, expiresAt: 200 })
        const claim = { name: 'resv', keyHash: 'k3', creatorId: 'e', now: 150 }
        assert.equal(await store.createRoomFromReservation({ ...claim, keyHash: 'k1' }, room('resv', { creatorId: 'e' })), undefined, 'wrong key')
        assert.equal(
            await store.createRoomFromReservation({ ...claim, creatorId: 'x' }, room('resv', { creatorId: 'e' })),
            undefined,
            'wrong creator',
        )
        const created = await store.createRoomFromReservation(claim, room('resv', { creatorId: 'e' }))
        assert.ok(created && typeof created !== 'string')
        assert.equal(created.name, 'resv')
        assert.equal(await store.createRoomFromReservation(claim, room('resv', { creatorId: 'e' })), undefined, 'single use')
        assert.equal(await store.isRoomNameTaken('resv', 1e12), true, 'a room holds its name forever')
    })

    test('rooms: update with a patch, close', async () => {
        const created = await makeRoom(room('upd'))
        assert.equal(typeof created.id, 'number')
        const updated = await store.updateRoom('upd', {
            title: 'New',
            maxPlayers: 4,
            allowOtherServers: false,
            optionValues: 'type=room&scoring=wins',
        })
        assert.equal(updated?.title, 'New')
        assert.equal(updated?.maxPlayers, 4)
        assert.equal(updated?.allowOtherServers, false)
        assert.equal(updated?.optionValues, 'type=room&scoring=wins')
        assert.equal(updated?.scoring, 'arcade', 'untouched fields stay')
        await store.updateRoom('upd', { closedAt: 5 })
        assert.equal((await store.getRoom('upd'))?.closedAt, 5)
        assert.equal(await store.updateRoom('missing', { title: 'x' }), undefined)
    })

    test('listing: open rooms only, private ones to their creator or unlocked viewers, keywords', async () => {
        await store.upsertUser({ id: 'host', handle: '2', name: 'Hostname', profile: {}, updatedAt: 0 })
        await makeRoom(room('pub1', { creatorId: 'host', title: 'Casual 100% fun', createdAt: 2000 }))
        await makeRoom(room('priv1', { creatorId: 'host', title: 'Secret', passwordHash: 'scrypt$x', createdAt: 2001 }))
        await makeRoom(room('gone', { creatorId: 'host', createdAt: 2002 }))
        await store.updateRoom('gone', { closedAt: 2003 })
        const names = async (q: Partial<Parameters<SqliteStore['listOpenRooms']>[0]>) =>
            (await store.listOpenRooms({ viewerId: null, now: 3000, ...q })).map((r) => r.name).filter((n) => ['pub1', 'priv1', 'gone'].includes(n))
        assert.deepEqual(await names({}), ['pub1'])
        assert.deepEqual(await names({ viewerId: 'host' }), ['priv1', 'pub1'])
        assert.deepEqual(await names({ viewerId: 'friend' }), ['pub1'])
        await store.addRoomUnlock('priv1', 'friend', 4000)
        assert.deepEqual(await names({ viewerId: 'friend' }), ['priv1', 'pub1'])
        assert.deepEqual(await names({ viewerId: 'friend', now: 4000 }), ['pub1'], 'unlock expired')
        assert.deepEqual(await names({ keywords: ['100%'] }), ['pub1'])
        assert.deepEqual(await names({ keywords: ['10_%'] }), [])
        assert.deepEqual(await names({ keywords: ['hostNAME', 'casual'] }), ['pub1'])
        assert.deepEqual(await names({ names: ['priv1'], includeAllPrivate: true }), ['priv1'])
        assert.deepEqual(await names({ exactTitle: 'SECRET', includeAllPrivate: true }), ['priv1'])
        assert.equal((await store.getRoom('pub1'))?.creatorName, 'Hostname')
    })

    test('bans and unlocks expire; a longer ban is never shortened', async () => {
        await store.addRoomBan('r', 'u', 100)
        await store.addRoomBan('r', 'u', 50)
        assert.equal(await store.isRoomBanned('r', 'u', 99), true)
        assert.equal(await store.isRoomBanned('r', 'u', 100), false)
        assert.equal(await store.isRoomBanned('r', 'other', 0), false)
        await store.addRoomUnlock('r', 'u', 10)
        assert.equal(await store.isRoomUnlocked('r', 'u', 9), true)
        assert.equal(await store.isRoomUnlocked('r', 'u', 10), false)
    })

    test('chat messages: newest first, id cursor', async () => {
        const ids: number[] = []
        for (let i = 0; i < 5; i++)
            ids.push(await store.insertChatMessage({ roomName: 'chat', userId: i ? 'u' : null, type: 'text', value: `m${i}`, at: i }))
        const first = await store.listChatMessages('chat', { limit: 2 })
        assert.deepEqual(
            first.map((m) => m.value),
            ['m4', 'm3'],
        )
        const next = await store.listChatMessages('chat', { before: first.at(-1)!.id, limit: 10 })
        assert.deepEqual(
            next.map((m) => m.value),
            ['m2', 'm1', 'm0'],
        )
        assert.equal(next.at(-1)!.userId, null)
        assert.deepEqual(await store.listChatMessages('other', { limit: 10 }), [])
    })

    test('round results and reports', async () => {
        const result = { grade: 'pass' as const, arcadeScore: 1, accuracyScore: 2, combo: 3, perfect: 4, great: 5, good: 6, miss: 7, totalCount: 22 }
        await store.insertRoundResult({ roomName: 'res', round: 1, userId: 'u', result, at: 9 })
        const [stored] = await store.listRoundResults('res', { limit: 10 })
        assert.deepEqual(stored?.result, result)
        assert.equal(stored?.round, 1)
        const id = await store.insertReport({ roomName: 'res', reporterId: 'a', targetId: 'b', optionValues: 'type=report&reason=spamming', at: 1 })
        assert.equal(typeof id, 'number')
        const [report] = await store.listReports({ roomName: 'res', limit: 5 })
        assert.equal(report?.optionValues, 'type=report&reason=spamming')
    })

    test('sweep removes what has expired and nothing else', async () => {
        // Session keys as the app makes them (time prefix), the sweep a Sonolus session's longest lifetime later.
        const [old, young] = [hashToken(newToken(0)), hashToken(newToken(0))]
        await store.insertSession({ tokenHash: old, userId: 'u', createdAt: 0, expiresAt: 10 })
        await store.insertSession({ tokenHash: young, userId: 'u', createdAt: 0, expiresAt: 1e15 })
        await store.useNonce({ hash: 'old-nonce', time: 0, expiresAt: 10 })
        await store.sweep(11)
        assert.ok(await store.getSession(old), 'expired, younger than the longest lifetime: kept until a later sweep')
        await store.sweep(maxSessionTtlMs)
        assert.equal(await store.getSession(old), undefined)
        assert.ok(await store.getSession(young))
        assert.equal(store.db.prepare("SELECT 1 FROM nonces WHERE hash = 'old-nonce'").get(), undefined, 'forgotten after expiry')
        // Once swept past, a nonce of that expiry is refused: its earlier use may be what was swept.
        assert.equal(await store.useNonce({ hash: 'old-nonce', time: 0, expiresAt: 10 }), false)
        assert.equal(await store.useNonce({ hash: 'old-nonce', time: 0, expiresAt: maxSessionTtlMs + 1 }), true)
    })

    test('data survives closing and reopening the file', async () => {
        await store.insertSession({ tokenHash: 'persist', userId: 'u', createdAt: 0, expiresAt: 1e15 })
        await store.close()
        store = new SqliteStore({ path })
        assert.ok(await store.getSession('persist'))
    })
})
