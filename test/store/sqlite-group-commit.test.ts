// SqliteStore through its group commit: a read sees every write asked for before it, even one still
// waiting for its batch (read-your-writes), and a nonce spent twice in one batch is spent once.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import Database from 'better-sqlite3'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import type { Nonce, SessionRecord, UserRecord } from '../../src/store/store.js'
import { newRoom } from '../helpers/rooms.js'

let serial = 0
const unique = (prefix: string) => `${prefix}-${++serial}`
const user = (id = unique('user'), name = 'Name'): UserRecord => ({ id, handle: '1', name, profile: { id, name }, updatedAt: 1 })
const session = (userId: string): SessionRecord => ({ tokenHash: unique('session'), userId, createdAt: 1, expiresAt: 1e15 })
const nonce = (): Nonce => ({ hash: unique('nonce'), time: 1000 + serial, expiresAt: 1e15 })

describe('SqliteStore: read-your-writes through the group commit', () => {
    let dir: string
    let path: string
    let store: SqliteStore
    /** A second connection: sees only what was committed. */
    let reader: Database.Database
    before(async () => {
        dir = await mkdtemp(join(tmpdir(), 'ensemble-group-store-'))
        path = join(dir, 'ensemble.sqlite')
        store = new SqliteStore({ path, checkpointThread: false })
        reader = new Database(path, { readonly: true })
    })
    after(async () => {
        reader.close()
        await store.close()
        await rm(dir, { recursive: true, force: true })
    })

    const committed = (table: string, column: string, value: string) =>
        reader.prepare(`SELECT 1 FROM ${table} WHERE ${column} = ?`).get(value) !== undefined

    test('writes are really deferred to a batch (what the tests below rely on)', async () => {
        const s = session('u')
        const written = store.insertSession(s)
        assert.equal(store.commits.pending, 1)
        assert.equal(committed('sessions', 'token_hash', s.tokenHash), false)
        await written
        assert.equal(committed('sessions', 'token_hash', s.tokenHash), true)
    })

    test('insertSession then getSession, not awaited in between', async () => {
        const s = session('u')
        const written = store.insertSession(s)
        assert.deepEqual(await store.getSession(s.tokenHash), s)
        await written
    })

    test('deleteSession then getSession, not awaited in between', async () => {
        const s = session('u')
        await store.insertSession(s)
        const deleted = store.deleteSession(s.tokenHash)
        assert.equal(await store.getSession(s.tokenHash), undefined)
        await deleted
    })

    test('upsertUser then getUser, not awaited in between (new user and changed profile)', async () => {
        const u = user()
        const first = store.upsertUser(u)
        assert.deepEqual(await store.getUser(u.id), u)
        const renamed = { ...u, name: 'Renamed', profile: { id: u.id, name: 'Renamed' }, updatedAt: 2 }
        const second = store.upsertUser(renamed)
        assert.deepEqual(await store.getUser(u.id), renamed)
        await Promise.all([first, second])
    })

    test('insertJoinSession then takeJoinSession, not awaited in between; single use', async () => {
        const record = { tokenHash: unique('join'), roomName: 'room', userId: 'u', payload: '{"x":1}', expiresAt: 1e15 }
        const written = store.insertJoinSession(record)
        assert.deepEqual(await store.takeJoinSession(record.tokenHash), record)
        assert.equal(await store.takeJoinSession(record.tokenHash), undefined)
        await written
    })

    test('a join session whose delete failed is not taken twice', async () => {
        const record = { tokenHash: unique('join'), roomName: 'room', userId: 'u', payload: '{}', expiresAt: 1e15 }
        await store.insertJoinSession(record)
        // The disk refusing the delete, as far as the store can tell: the statement fails in its batch.
        const writer = new Database(path)
        writer.exec(`CREATE TRIGGER refuse_join_delete BEFORE DELETE ON join_sessions BEGIN SELECT RAISE(ABORT, 'refused'); END`)
        try {
            assert.deepEqual(await store.takeJoinSession(record.tokenHash), record)
            // The second take commits the first one's delete (settle), which fails: the row stays.
            assert.equal(await store.takeJoinSession(record.tokenHash), undefined)
            assert.equal(committed('join_sessions', 'token_hash', record.tokenHash), true)
            await new Promise((resolve) => setImmediate(resolve))
            assert.equal(await store.takeJoinSession(record.tokenHash), undefined)
        } finally {
            writer.exec('DROP TRIGGER refuse_join_delete')
            writer.close()
        }
        // Other sessions are still taken once each once the disk writes again.
        const next = { ...record, tokenHash: unique('join') }
        await store.insertJoinSession(next)
        assert.deepEqual(await store.takeJoinSession(next.tokenHash), next)
        assert.equal(await store.takeJoinSession(next.tokenHash), undefined)
        assert.equal(committed('join_sessions', 'token_hash', next.tokenHash), false)
    })

    test('recordSignIn then getSession and getUser, not awaited in between', async () => {
        const u = user()
        const s = session(u.id)
        const recorded = store.recordSignIn({ nonce: nonce(), user: u, session: s })
        assert.deepEqual(await store.getSession(s.tokenHash), s)
        assert.deepEqual(await store.getUser(u.id), u)
        assert.equal(await recorded, true)
    })

    test('recordJoin then takeJoinSession and getUser, not awaited in between', async () => {
        const u = user()
        const joinSession = { tokenHash: unique('join'), roomName: 'room', userId: u.id, payload: '{}', expiresAt: 1e15 }
        const recorded = store.recordJoin({ nonce: nonce(), user: u, joinSession })
        assert.deepEqual(await store.takeJoinSession(joinSession.tokenHash), joinSession)
        assert.deepEqual(await store.getUser(u.id), u)
        assert.equal(await recorded, true)
    })

    test("a room's creator name reflects a profile still waiting for its batch (getRoom, listOpenRooms)", async () => {
        const creator = user(unique('creator'), 'Before')
        await store.upsertUser(creator)
        const room = newRoom(unique('room'), { creatorId: creator.id, title: 'Room' })
        await store.insertReservation({ name: room.name, keyHash: 'k', creatorId: creator.id, values: '', createdAt: 1000, expiresAt: 2000 })
        assert.ok(await store.createRoomFromReservation({ name: room.name, keyHash: 'k', creatorId: creator.id, now: 1000 }, room))

        const renamed = store.upsertUser({ ...creator, name: 'Zyxwvut', profile: { id: creator.id, name: 'Zyxwvut' }, updatedAt: 2 })
        assert.equal((await store.getRoom(room.name))?.creatorName, 'Zyxwvut')
        await renamed

        const again = store.upsertUser({ ...creator, name: 'Qponmlk', profile: { id: creator.id, name: 'Qponmlk' }, updatedAt: 3 })
        const found = await store.listOpenRooms({ now: 1000, viewerId: null, keywords: ['Qponmlk'] })
        assert.deepEqual(
            found.map((r) => r.name),
            [room.name],
        )
        await again
    })

    test('a room list leaves the batch alone unless a queued profile is that of a creator of an open room', async () => {
        const creator = user(unique('creator'), 'Host')
        await store.upsertUser(creator)
        const name = unique('room')
        await store.insertReservation({ name, keyHash: 'k', creatorId: creator.id, values: '', createdAt: 1000, expiresAt: 2000 })
        const room = newRoom(name, { creatorId: creator.id, title: 'Listed' })
        assert.ok(await store.createRoomFromReservation({ name, keyHash: 'k', creatorId: creator.id, now: 1000 }, room))

        // Sign-ins of players who created nothing: their batch waits for its own turn.
        const batches = store.commits.stats.batches
        const signIns = [user(), user()].map((u) => store.recordSignIn({ nonce: nonce(), user: u, session: session(u.id) }))
        const listed = await store.listOpenRooms({ now: 1000, viewerId: null, keywords: ['Listed'], limit: 20, offset: 0 })
        assert.deepEqual(
            listed.map((r) => r.name),
            [name],
        )
        assert.equal(await store.countOpenRooms({ now: 1000, viewerId: null, keywords: ['Listed'] }), 1)
        assert.equal(store.commits.pending, 2, 'the list did not commit the queued sign-ins')
        assert.equal(store.commits.stats.batches, batches)
        await Promise.all(signIns)

        // The creator signing in again with the same profile changes nothing a list shows: no commit either.
        const same = store.recordSignIn({ nonce: nonce(), user: creator, session: session(creator.id) })
        await store.listOpenRooms({ now: 1000, viewerId: null, limit: 20 })
        assert.equal(store.commits.pending, 1)
        await same

        // A new name of that creator is what a list shows and searches: committed first.
        const renamed = store.recordSignIn({
            nonce: nonce(),
            user: { ...creator, name: 'Renamed', profile: { id: creator.id, name: 'Renamed' } },
            session: session(creator.id),
        })
        const found = await store.listOpenRooms({ now: 1000, viewerId: null, keywords: ['Renamed'] })
        assert.equal(found[0]?.creatorName, 'Renamed')
        assert.equal(store.commits.pending, 0)
        assert.equal(await renamed, true)
    })

    test('a nonce spent twice in one batch: exactly one recordSignIn succeeds, the other writes nothing', async () => {
        const n = nonce()
        const batches = store.commits.stats.batches
        const a = { user: user(), session: session('a') }
        const b = { user: user(), session: session('b') }
        a.session.userId = a.user.id
        b.session.userId = b.user.id
        const results = await Promise.all([store.recordSignIn({ nonce: n, ...a }), store.recordSignIn({ nonce: { ...n }, ...b })])
        assert.equal(store.commits.stats.batches, batches + 1, 'both in one batch')
        assert.deepEqual(results, [true, false])
        assert.ok(await store.getSession(a.session.tokenHash))
        assert.equal(await store.getSession(b.session.tokenHash), undefined)
        assert.equal(await store.getUser(b.user.id), undefined)
        // And once committed, it stays spent.
        assert.equal(await store.useNonce(n), false)
    })

    test('a nonce spent twice in one batch: useNonce and recordJoin, exactly one true', async () => {
        const n = nonce()
        const batches = store.commits.stats.batches
        const u = user()
        const results = await Promise.all([store.useNonce(n), store.useNonce({ ...n }), store.recordJoin({ nonce: { ...n }, user: u })])
        assert.equal(store.commits.stats.batches, batches + 1, 'all in one batch')
        assert.deepEqual(results, [true, false, false])
        assert.equal(await store.getUser(u.id), undefined, 'a refused join writes no profile')
    })

    test('many sign-ins in one turn: one batch, every session readable', async () => {
        const batches = store.commits.stats.batches
        const signIns = Array.from({ length: 50 }, () => {
            const u = user()
            return { nonce: nonce(), user: u, session: session(u.id) }
        })
        const recorded = Promise.all(signIns.map((x) => store.recordSignIn(x)))
        // One read of one of them commits the batch; the others are then readable too.
        assert.ok(await store.getSession(signIns[49]!.session.tokenHash))
        for (const x of signIns) assert.equal(committed('sessions', 'token_hash', x.session.tokenHash), true)
        assert.deepEqual(
            await recorded,
            signIns.map(() => true),
        )
        assert.equal(store.commits.stats.batches, batches + 1)
    })

    test('sweep and close commit what is queued', async () => {
        const s = session('u')
        const written = store.insertSession(s)
        await store.sweep(0)
        assert.equal(committed('sessions', 'token_hash', s.tokenHash), true)
        await written

        const local = join(dir, 'close.sqlite')
        const other = new SqliteStore({ path: local, checkpointThread: false })
        const u = user()
        const pending = other.upsertUser(u)
        await other.close()
        await pending
        const reopened = new SqliteStore({ path: local, checkpointThread: false })
        try {
            assert.deepEqual(await reopened.getUser(u.id), u)
        } finally {
            await reopened.close()
        }
    })

    // The rooms' writes and the commit point (afterCommit).
    const count = (sql: string, ...params: unknown[]) => (reader.prepare(`SELECT count(*) AS n FROM ${sql}`).get(...params) as { n: number }).n
    const line = (roomName: string, value: string) => ({ roomName, userId: null, type: 'text' as const, value, at: 1 })

    test('a taken join session is deleted in the next batch: single use at once, gone on disk by afterCommit', async () => {
        const record = { tokenHash: unique('join'), roomName: 'room', userId: 'u', payload: '{}', expiresAt: 1e15 }
        await store.insertJoinSession(record)
        assert.deepEqual(await store.takeJoinSession(record.tokenHash), record)
        assert.equal(count('join_sessions WHERE token_hash = ?', record.tokenHash), 1, 'the delete waits for the batch')
        assert.equal(store.commits.pending, 1)
        // A second take in the same turn commits the delete first and finds nothing.
        assert.equal(await store.takeJoinSession(record.tokenHash), undefined)
        assert.equal(count('join_sessions WHERE token_hash = ?', record.tokenHash), 0)

        const other = { ...record, tokenHash: unique('join') }
        await store.insertJoinSession(other)
        await store.takeJoinSession(other.tokenHash)
        let called = false
        store.afterCommit(() => {
            called = true
            assert.equal(count('join_sessions WHERE token_hash = ?', other.tokenHash), 0, 'committed before the callback')
        })
        assert.equal(called, true, 'nothing held: called back at once')
        assert.equal(await store.takeJoinSession(unique('join')), undefined, 'an unknown session queues nothing')
        assert.equal(store.commits.pending, 0)
    })

    test('chat lines, results and reports are queued in order; reads and afterCommit commit them', async () => {
        const room = unique('room')
        const ids = [store.insertChatMessage(line(room, 'one')), store.insertChatMessage(line(room, 'two'))]
        const result = store.insertRoundResult({
            roomName: room,
            round: 1,
            userId: 'u',
            result: { grade: 'pass', arcadeScore: 1, accuracyScore: 1, combo: 1, perfect: 1, great: 0, good: 0, miss: 0, totalCount: 1 },
            at: 1,
        })
        const report = store.insertReport({ roomName: room, reporterId: 'a', targetId: 'b', optionValues: '', at: 1 })
        assert.equal(count('chat_messages WHERE room_name = ?', room), 0, 'queued, not committed')
        assert.equal(store.commits.pending, 4)
        // A read of the room's chat sees the queued lines (it commits them), in the order asked.
        assert.deepEqual(
            (await store.listChatMessages(room, { limit: 10 })).map((m) => m.value),
            ['two', 'one'],
        )
        const [first, second] = await Promise.all(ids)
        assert.ok(first! < second!)
        assert.equal((await store.listRoundResults(room, { limit: 10 })).length, 1)
        assert.equal((await store.listReports({ roomName: room, limit: 10 })).length, 1)
        await Promise.all([result, report])

        const third = store.insertChatMessage(line(room, 'three'))
        store.afterCommit(() => assert.equal(count('chat_messages WHERE room_name = ?', room), 3))
        assert.equal(count('chat_messages WHERE room_name = ?', room), 3)
        await third
    })

    test('during a checkpoint hold, afterCommit waits for the resume (the writes commit then, callbacks in order)', async () => {
        const room = unique('room')
        const order: string[] = []
        store.afterCommit(() => order.push('nothing queued'))
        store.commits.hold()
        store.afterCommit(() => order.push('held, nothing queued'))
        const written = store.insertChatMessage(line(room, 'held'))
        store.afterCommit(() => order.push(`first: ${count('chat_messages WHERE room_name = ?', room)} on disk`))
        store.afterCommit(() => order.push('second'))
        await new Promise((resolve) => setTimeout(resolve, 20))
        assert.deepEqual(order, ['nothing queued', 'held, nothing queued'])
        assert.equal(count('chat_messages WHERE room_name = ?', room), 0)
        store.commits.resume()
        assert.deepEqual(order, ['nothing queued', 'held, nothing queued', 'first: 1 on disk', 'second'])
        await written
    })
})

describe('SqliteStore: profiles already written cost no statement, and a rollback forgets that', () => {
    test('a join rolled back after writing the profile does not leave the profile counted as written', async () => {
        const dir = await mkdtemp(join(tmpdir(), 'ensemble-written-users-'))
        const store = new SqliteStore({ path: join(dir, 'ensemble.sqlite'), checkpointThread: false })
        try {
            const taken = { tokenHash: unique('join'), roomName: 'r', userId: 'x', payload: '{}', expiresAt: 1e15 }
            await store.insertJoinSession(taken)
            const u = user()
            // The profile is written, then the join session clashes: the whole join is rolled back.
            await assert.rejects(store.recordJoin({ nonce: nonce(), user: u, joinSession: { ...taken, userId: u.id } }))
            assert.equal(await store.getUser(u.id), undefined)
            // The same profile again must really be written.
            await store.upsertUser(u)
            assert.equal((await store.getUser(u.id))?.name, u.name)
            // And a changed one too, after an unchanged one was skipped.
            await store.upsertUser(u)
            await store.upsertUser({ ...u, name: 'Renamed', profile: { ...u.profile, name: 'Renamed' } })
            assert.equal((await store.getUser(u.id))?.name, 'Renamed')
        } finally {
            await store.close()
            await rm(dir, { recursive: true, force: true })
        }
    })
})
