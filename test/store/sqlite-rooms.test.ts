// The SQLite store's room caps and room pages: caps checked inside the write (reservations count per
// creator), the open-room counter of migration 4 kept by every write that opens or closes a room, and
// room lists filtered, paged and counted in SQL over thousands of rooms.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import Database from 'better-sqlite3'
import { migrate, migrations } from '../../src/store/sqlite/migrations.js'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import type { NewRoom, RoomCaps } from '../../src/store/store.js'
import { newRoom } from '../helpers/rooms.js'

const room = (name: string, creatorId: string, createdAt: number, extra: Partial<NewRoom> = {}): NewRoom =>
    newRoom(name, { creatorId, title: `Title ${name}`, createdAt, ...extra })

const totalOpen = (store: SqliteStore) => (store.db.prepare('SELECT open_rooms FROM room_totals').get() as { open_rooms: number }).open_rooms
const openByCount = (store: SqliteStore) => (store.db.prepare('SELECT count(*) AS n FROM rooms WHERE closed_at IS NULL').get() as { n: number }).n

describe('SqliteStore: room caps', () => {
    let dir: string
    let store: SqliteStore
    before(async () => {
        dir = await mkdtemp(join(tmpdir(), 'ensemble-rooms-'))
        store = new SqliteStore({ path: join(dir, 'ensemble.sqlite'), checkpointThread: false })
    })
    after(async () => {
        await store.close()
        await rm(dir, { recursive: true, force: true })
    })

    const reserve = (name: string, creatorId: string, at: number, caps?: RoomCaps) =>
        store.insertReservation({ name, keyHash: `k-${name}`, creatorId, values: '', createdAt: at, expiresAt: at + 100 }, caps)
    const claim = (name: string, creatorId: string, at: number, caps?: RoomCaps) =>
        store.createRoomFromReservation({ name, keyHash: `k-${name}`, creatorId, now: at }, room(name, creatorId, at), caps)

    test('per creator: open rooms plus live reservations; a lapsed reservation or a closed room frees a place', async () => {
        const caps = { perCreator: 2, total: 1000 }
        assert.equal(await reserve('a1', 'alice', 1000, caps), undefined)
        assert.equal(await reserve('a2', 'alice', 1000, caps), undefined)
        assert.equal(await reserve('a3', 'alice', 1000, caps), 'creatorCap', 'two reservations held: the third is refused')
        assert.equal(await store.isRoomNameTaken('a3', 1000), false, 'a refusal writes nothing')
        assert.equal(await reserve('b1', 'bob', 1000, caps), undefined, 'another creator is not affected')
        const a1 = await claim('a1', 'alice', 1010, caps)
        assert.equal(typeof a1 === 'object' && a1.name, 'a1')
        assert.equal(await reserve('a3', 'alice', 1010, caps), 'creatorCap', 'one room and one reservation')
        assert.equal(await reserve('a3', 'alice', 1100, caps), undefined, 'a2 lapsed at 1100: its place is free')
        const a3 = await claim('a3', 'alice', 1110, caps)
        assert.equal(typeof a3 === 'object' && a3.name, 'a3')
        assert.equal(await reserve('a4', 'alice', 1120, caps), 'creatorCap')
        await store.updateRoom('a1', { closedAt: 1130 })
        assert.equal(await reserve('a4', 'alice', 1130, caps), undefined, 'a closed room frees its place')
    })

    test('the claim is checked again: a refused claim keeps the reservation and writes no room', async () => {
        assert.equal(await reserve('c1', 'carol', 2000), undefined)
        assert.equal(await reserve('c2', 'carol', 2000), undefined)
        assert.equal(typeof (await claim('c1', 'carol', 2001, { perCreator: 1, total: 1000 })), 'object')
        assert.equal(await claim('c2', 'carol', 2002, { perCreator: 1, total: 1000 }), 'creatorCap')
        assert.equal(await store.getRoom('c2'), undefined)
        assert.ok(await store.getReservation('c2', 2002), 'still reserved')
        assert.equal(await claim('c2', 'carol', 2002, { perCreator: 1, total: 1000 }), 'creatorCap')
        assert.equal(await claim('c2', 'carol', 2002, { perCreator: 5, total: openByCount(store) }), 'serverCap')
        assert.equal(await claim('c2', 'nobody', 2002, { perCreator: 1, total: 1000 }), undefined, 'a wrong claim is no room, not a cap')
        assert.equal(typeof (await claim('c2', 'carol', 2002, { perCreator: 5, total: openByCount(store) + 1 })), 'object')
    })

    test('server-wide: open rooms only, read from a counter every write keeps', async () => {
        const open = openByCount(store)
        assert.equal(totalOpen(store), open)
        assert.equal(await reserve('d1', 'dave', 3000, { perCreator: 10, total: open }), 'serverCap')
        assert.equal(await reserve('d1', 'dave', 3000, { perCreator: 10, total: open + 1 }), undefined)
        assert.equal(totalOpen(store), open, 'a reservation is no open room')
        await claim('d1', 'dave', 3001)
        assert.equal(totalOpen(store), open + 1)
        await store.updateRoom('d1', { title: 'renamed' })
        assert.equal(totalOpen(store), open + 1, 'other changes leave it alone')
        await store.updateRoom('d1', { closedAt: 3002 })
        await store.updateRoom('d1', { closedAt: 3003 })
        assert.equal(totalOpen(store), open, 'closed once')
        await store.updateRoom('d1', { closedAt: null })
        assert.equal(totalOpen(store), open + 1, 'reopened')
        store.db.prepare('DELETE FROM rooms WHERE name = ?').run('d1')
        assert.equal(totalOpen(store), open)
        assert.equal(totalOpen(store), openByCount(store))
    })

    test('concurrent reservations of one creator cannot pass the cap together', async () => {
        const caps = { perCreator: 3, total: 1000 }
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => reserve(`e${i}`, 'erin', 4000, caps)))
        assert.equal(results.filter((r) => r === undefined).length, 3)
        assert.equal(results.filter((r) => r === 'creatorCap').length, 17)
    })

    test('the counts read a few index entries or one row, never every room', () => {
        const plan = (sql: string) => (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join('; ')
        assert.match(plan("SELECT count(*) FROM rooms WHERE creator_id = 'x' AND closed_at IS NULL"), /USING INDEX rooms_open_by_creator/)
        assert.match(
            plan("SELECT count(*) FROM room_reservations WHERE creator_id = 'x' AND expires_at > 0"),
            /USING COVERING INDEX room_reservations_by_creator/,
        )
    })
})

describe('SqliteStore: migration 4 on a database with rooms', () => {
    let dir: string
    before(async () => {
        dir = await mkdtemp(join(tmpdir(), 'ensemble-migration-4-'))
    })
    after(() => rm(dir, { recursive: true, force: true }))

    test('the open-room counter starts from the rooms already open', async () => {
        const path = join(dir, 'old.sqlite')
        const db = new Database(path)
        db.pragma('journal_mode = WAL')
        migrate(
            db,
            0,
            migrations.filter((m) => m.version <= 2),
        )
        const insert = db.prepare(`INSERT INTO rooms (name, creator_id, title, max_players, scoring, teams, allow_other_servers, option_values,
            created_at, updated_at, closed_at) VALUES (?, 'old', 't', 8, 'arcade', 0, 1, '', 1, 1, ?)`)
        for (let i = 0; i < 7; i++) insert.run(`old${i}`, i < 5 ? null : 2)
        db.close()
        const store = new SqliteStore({ path, checkpointThread: false })
        try {
            assert.equal(totalOpen(store), 5)
            const caps = { perCreator: 5, total: 100 }
            assert.equal(
                await store.insertReservation({ name: 'new', keyHash: 'k', creatorId: 'old', values: '', createdAt: 10, expiresAt: 20 }, caps),
                'creatorCap',
            )
        } finally {
            await store.close()
        }
    })
})

describe('SqliteStore: room pages in SQL', () => {
    let dir: string
    let store: SqliteStore
    const count = 3000
    /** Room names, newest first. */
    const newestFirst: string[] = []
    before(async () => {
        dir = await mkdtemp(join(tmpdir(), 'ensemble-pages-'))
        store = new SqliteStore({ path: join(dir, 'ensemble.sqlite'), checkpointThread: false })
        await store.upsertUser({ id: 'host', handle: '1', name: 'Hostname', profile: {}, updatedAt: 0 })
        // Written in one transaction (the store's create path, one commit per room, is tested above).
        const insert = store.db.prepare(`INSERT INTO rooms (name, creator_id, title, password_hash, max_players, scoring, teams,
            allow_other_servers, option_values, created_at, updated_at) VALUES (?, ?, ?, ?, 8, 'arcade', 0, 1, '', ?, ?)`)
        store.db.transaction(() => {
            for (let i = 0; i < count; i++) {
                const name = `r${String(i).padStart(5, '0')}`
                insert.run(name, i % 2 ? 'host' : 'other', i % 3 === 0 ? `Three ${i}` : `Room ${i}`, i % 10 === 0 ? 'scrypt$x' : null, i, i)
                newestFirst.unshift(name)
            }
        })()
    })
    after(async () => {
        await store.close()
        await rm(dir, { recursive: true, force: true })
    })

    const isPublic = (name: string) => Number(name.slice(1)) % 10 !== 0

    test('pages of 20 walk every visible room once, newest first; the count matches', async () => {
        const q = { viewerId: null, now: 1e6 }
        const total = await store.countOpenRooms(q)
        const visible = newestFirst.filter(isPublic)
        assert.equal(total, visible.length)
        const seen: string[] = []
        for (let offset = 0; offset < total + 20; offset += 20) {
            const page = await store.listOpenRooms({ ...q, offset, limit: 20 })
            assert.ok(page.length <= 20)
            seen.push(...page.map((r) => r.name))
        }
        assert.deepEqual(seen, visible)
        assert.deepEqual(
            (await store.listOpenRooms({ ...q, offset: 40, limit: 20 })).map((r) => r.name),
            visible.slice(40, 60),
        )
    })

    test('private rooms: counted and listed for their creator, hidden from others', async () => {
        const forOther = await store.countOpenRooms({ viewerId: 'other', now: 1e6 })
        const forHost = await store.countOpenRooms({ viewerId: 'host', now: 1e6 })
        // Private rooms are those with i % 10 == 0: all even, so all created by 'other'.
        assert.equal(forOther, count)
        assert.equal(forHost, newestFirst.filter(isPublic).length)
        const first = await store.listOpenRooms({ viewerId: 'other', now: 1e6, offset: 0, limit: 20 })
        assert.deepEqual(
            first.map((r) => r.name),
            newestFirst.slice(0, 20),
        )
    })

    test('keywords, creator and name sets (thousands of names) filter before paging', async () => {
        const q = { viewerId: null, now: 1e6 }
        const threes = newestFirst.filter((n) => isPublic(n) && Number(n.slice(1)) % 3 === 0)
        assert.equal(await store.countOpenRooms({ ...q, keywords: ['three'] }), threes.length)
        assert.deepEqual(
            (await store.listOpenRooms({ ...q, keywords: ['three'], offset: 20, limit: 20 })).map((r) => r.name),
            threes.slice(20, 40),
        )
        assert.equal(await store.countOpenRooms({ ...q, keywords: ['hostname'] }), newestFirst.filter((n) => Number(n.slice(1)) % 2 === 1).length)
        assert.equal(await store.countOpenRooms({ ...q, createdBy: 'host' }), count / 2)

        const except = newestFirst.filter((_, i) => i % 3 !== 0) // 2000 names
        const kept = newestFirst.filter((n, i) => i % 3 === 0 && isPublic(n))
        assert.equal(await store.countOpenRooms({ ...q, exceptNames: except }), kept.length)
        assert.deepEqual(
            (await store.listOpenRooms({ ...q, exceptNames: except, offset: 0, limit: 20 })).map((r) => r.name),
            kept.slice(0, 20),
        )
        const only = newestFirst.slice(100, 2100)
        assert.equal(await store.countOpenRooms({ ...q, names: only }), only.filter(isPublic).length)
        assert.deepEqual(
            (await store.listOpenRooms({ ...q, names: only, offset: 20, limit: 20 })).map((r) => r.name),
            only.filter(isPublic).slice(20, 40),
        )
        assert.equal(await store.countOpenRooms({ ...q, names: [] }), 0)
        assert.deepEqual(await store.listOpenRooms({ ...q, names: [], limit: 20 }), [])
    })

    test('the page is read in index order: no sort of every open room', () => {
        const sql = `EXPLAIN QUERY PLAN SELECT r.id FROM rooms r LEFT JOIN users u ON u.id = r.creator_id
            WHERE r.closed_at IS NULL AND r.password_hash IS NULL ORDER BY r.created_at DESC, r.id DESC LIMIT 20 OFFSET 0`
        const plan = (store.db.prepare(sql).all() as { detail: string }[]).map((r) => r.detail).join('; ')
        assert.match(plan, /rooms_open/)
        assert.doesNotMatch(plan, /TEMP B-TREE/)
    })
})
