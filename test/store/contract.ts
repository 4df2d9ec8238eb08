// The storage contract: every behaviour of the Store interface, run against any implementation. A store
// file calls storeContract with a factory that opens an empty store on an injected clock; each test gets
// its own store. Writes are often left un-awaited before a read on purpose: that is how callers use
// batching stores, and the read must still see them (read-your-writes).
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { hashToken, newToken } from '../../src/auth/tokens.js'
import { maxSessionTtlMs } from '../../src/config.js'
import type { NewRoom, Nonce, RoomQuery, Store, UserRecord } from '../../src/store/store.js'
import { newRoom } from '../helpers/rooms.js'

export type ContractClock = { now(): number; set(ms: number): void }
export type StoreFactory = (clock: ContractClock) => Promise<Store>

const T0 = 1_700_000_000_000

const user = (id: string, name = `Player ${id}`, extra: Record<string, unknown> = {}): UserRecord => ({
    id,
    handle: `h${id}`,
    name,
    profile: { id, handle: `h${id}`, name, avatarType: 'default', ...extra },
    updatedAt: T0,
})

const nonce = (hash: string, time = T0, expiresAt = T0 + 60_000): Nonce => ({ hash, time, expiresAt })

const room = (name: string, extra: Partial<NewRoom> = {}): NewRoom =>
    newRoom(name, { maxPlayers: 16, optionValues: 'type=room', nodeId: 'node-a', createdAt: T0, ...extra })

/** Opens the database of a closed store again (for the tests of what close() keeps). */
export type StoreReopener = (closed: Store, clock: ContractClock) => Promise<Store>

export function storeContract(label: string, factory: StoreFactory, options: { skip?: string | false; reopen?: StoreReopener } = {}): void {
    describe(`Store contract: ${label}`, { skip: options.skip || false }, () => {
        /** Runs a test on a fresh store and closes it afterwards. */
        const withStore = (name: string, body: (store: Store, clock: ContractClock) => Promise<void>) =>
            test(name, async () => {
                let now = T0
                const clock: ContractClock = { now: () => now, set: (ms) => void (now = ms) }
                const store = await factory(clock)
                try {
                    await body(store, clock)
                } finally {
                    await store.close()
                }
            })

        const makeRoom = async (store: Store, r: NewRoom) => {
            const refusal = await store.insertReservation({
                name: r.name,
                keyHash: 'k',
                creatorId: r.creatorId,
                values: '',
                createdAt: r.createdAt,
                expiresAt: r.createdAt + 1000,
            })
            assert.equal(refusal, undefined)
            const created = await store.createRoomFromReservation({ name: r.name, keyHash: 'k', creatorId: r.creatorId, now: r.createdAt }, r)
            assert.ok(created && typeof created !== 'string', 'room created')
            return created
        }

        withStore('users keep the profile exactly as sent; an identical upsert changes nothing', async (store) => {
            const u = user('u1', 'Ann', { nested: { b: 2, a: 1 }, text: 'é日本' })
            await store.upsertUser(u)
            assert.deepEqual(await store.getUser('u1'), u)
            await store.upsertUser({ ...u, updatedAt: T0 + 5 })
            assert.equal((await store.getUser('u1'))!.updatedAt, T0, 'identical profile: nothing written')
            await store.upsertUser({ ...u, name: 'Bob', profile: { ...u.profile, name: 'Bob' }, updatedAt: T0 + 9 })
            const read = await store.getUser('u1')
            assert.equal(read!.name, 'Bob')
            assert.equal(read!.updatedAt, T0 + 9)
            assert.equal(await store.getUser('nobody'), undefined)
        })

        withStore('sessions: insert, read (even expired), delete', async (store) => {
            const s = { tokenHash: 't1', userId: 'u1', createdAt: T0, expiresAt: T0 + 10 }
            await store.insertSession(s)
            assert.deepEqual(await store.getSession('t1'), s)
            await store.insertSession({ ...s, tokenHash: 't2', expiresAt: T0 - 1 })
            assert.equal((await store.getSession('t2'))!.expiresAt, T0 - 1, 'expired sessions are returned; callers compare')
            await store.deleteSession('t1')
            assert.equal(await store.getSession('t1'), undefined)
            assert.equal(await store.getSession('never'), undefined)
        })

        withStore('used bodies: a replay is refused; distinct bodies signed at one time are both accepted', async (store) => {
            assert.equal(await store.useNonce(nonce('a')), true)
            assert.equal(await store.useNonce(nonce('a')), false)
            assert.equal(await store.useNonce(nonce('b')), true)
            assert.equal(await store.useNonce(nonce('c', T0 + 0.5)), true, 'fractional signed times')
            assert.equal(await store.useNonce(nonce('c', T0 + 0.5)), false)
        })

        withStore('sweep margin: once a sweep passed a nonce expiry, such a nonce is refused even if never seen', async (store) => {
            await store.sweep(T0 + 1000)
            assert.equal(await store.useNonce(nonce('old', T0, T0 + 1000)), false, 'expiry at the sweep time')
            assert.equal(await store.useNonce(nonce('older', T0, T0 + 10)), false, 'expiry before the sweep time')
            assert.equal(await store.useNonce(nonce('fresh', T0, T0 + 1001)), true, 'expiry after the sweep time')
            assert.equal(
                await store.recordSignIn({
                    nonce: nonce('s', T0, T0 + 999),
                    user: user('u'),
                    session: { tokenHash: 'st', userId: 'u', createdAt: T0, expiresAt: T0 + 5 },
                }),
                false,
            )
            assert.equal(await store.getSession('st'), undefined)
            assert.equal(await store.recordJoin({ nonce: nonce('j', T0, T0 + 999), user: user('u') }), false)
            // An earlier sweep never lowers the margin.
            await store.sweep(T0)
            assert.equal(await store.useNonce(nonce('still-old', T0, T0 + 500)), false)
        })

        withStore('a sweep keeps nonces that have not expired: their replay is still refused', async (store) => {
            assert.equal(await store.useNonce(nonce('keep', T0, T0 + 5000)), true)
            assert.equal(await store.useNonce(nonce('drop', T0, T0 + 10)), true)
            await store.sweep(T0 + 100)
            assert.equal(await store.useNonce(nonce('keep', T0, T0 + 5000)), false)
        })

        withStore('a sign-in is one transaction: a spent nonce writes nothing', async (store) => {
            const s = { tokenHash: 'ts', userId: 'u1', createdAt: T0, expiresAt: T0 + 1000 }
            assert.equal(await store.recordSignIn({ nonce: nonce('n1'), user: user('u1'), session: s }), true)
            assert.deepEqual(await store.getSession('ts'), s)
            assert.equal((await store.getUser('u1'))!.name, 'Player u1')
            const again = await store.recordSignIn({ nonce: nonce('n1'), user: user('u2'), session: { ...s, tokenHash: 'ts2', userId: 'u2' } })
            assert.equal(again, false)
            assert.equal(await store.getSession('ts2'), undefined)
            assert.equal(await store.getUser('u2'), undefined)
        })

        withStore('a join is one transaction: profile and join session, or nothing', async (store) => {
            const js = { tokenHash: 'j1', roomName: 'r', userId: 'u1', payload: '{"x":1}', expiresAt: T0 + 100 }
            assert.equal(await store.recordJoin({ nonce: nonce('n'), user: user('u1'), joinSession: js }), true)
            assert.equal(await store.recordJoin({ nonce: nonce('n2'), user: user('u3') }), true, 'without a join session')
            assert.ok(await store.getUser('u3'))
            assert.equal(await store.recordJoin({ nonce: nonce('n'), user: user('u2'), joinSession: { ...js, tokenHash: 'j2' } }), false)
            assert.equal(await store.getUser('u2'), undefined)
            assert.equal(await store.takeJoinSession('j2'), undefined)
            assert.deepEqual(await store.takeJoinSession('j1'), js)
        })

        const webLogin = (id: string, extra: Partial<{ createdAt: number; expiresAt: number }> = {}) => ({
            id,
            secretHash: `secret-${id}`,
            sessionHash: hashToken(newToken(T0)),
            createdAt: T0,
            expiresAt: T0 + 300_000,
            ...extra,
        })
        const completion = (id: string, n: string, userId: string, now = T0 + 1000) => ({
            id,
            nonce: nonce(n),
            user: user(userId),
            session: { userId, createdAt: now, expiresAt: now + 7 * 86_400_000 },
            now,
            pickupUntil: now + 300_000,
        })

        withStore('web sign-ins: pending, signed in once in one transaction, handed to the right secret once', async (store) => {
            const login = webLogin('w1')
            assert.equal(await store.insertWebLogin(login, 10), true)
            assert.deepEqual(await store.getWebLogin('w1'), { ...login, userId: null })
            assert.equal(await store.getWebLogin('nope'), undefined)
            assert.equal(await store.pollWebLogin('w1', 'secret-other', T0 + 1), undefined, 'another secret')
            assert.deepEqual(await store.pollWebLogin('w1', login.secretHash, T0 + 1), { ...login, userId: null }, 'pending: kept')
            assert.ok(await store.getWebLogin('w1'))

            assert.equal(await store.completeWebLogin(completion('w1', 'n1', 'u1')), 'done')
            const session = await store.getSession(login.sessionHash)
            assert.deepEqual(session, { tokenHash: login.sessionHash, userId: 'u1', createdAt: T0 + 1000, expiresAt: T0 + 1000 + 7 * 86_400_000 })
            assert.equal((await store.getUser('u1'))!.name, 'Player u1')
            assert.deepEqual(await store.getWebLogin('w1'), { ...login, userId: 'u1', expiresAt: T0 + 1000 + 300_000 }, 'held for pickup')
            // A second signed body for the same link, and the same body again: nothing written.
            assert.equal(await store.completeWebLogin(completion('w1', 'n2', 'u2')), 'expired')
            assert.equal(await store.getUser('u2'), undefined)
            assert.equal(await store.useNonce(nonce('n2')), true, 'the refused body spent nothing')

            assert.equal(await store.pollWebLogin('w1', 'secret-other', T0 + 2000), undefined)
            assert.deepEqual(await store.pollWebLogin('w1', login.secretHash, T0 + 2000), { ...login, userId: 'u1', expiresAt: T0 + 1000 + 300_000 })
            assert.equal(await store.pollWebLogin('w1', login.secretHash, T0 + 2000), undefined, 'handed over once')
            assert.equal(await store.getWebLogin('w1'), undefined)
            assert.ok(await store.getSession(login.sessionHash), 'the session stays')
        })

        withStore('web sign-ins: a spent nonce or a lapsed link writes nothing; the cap counts live ones only', async (store) => {
            await store.insertWebLogin(webLogin('a'), 10)
            assert.equal(await store.useNonce(nonce('used')), true)
            assert.equal(await store.completeWebLogin(completion('a', 'used', 'ua')), 'replayed')
            assert.deepEqual((await store.getWebLogin('a'))!.userId, null, 'still pending')
            assert.equal(await store.getUser('ua'), undefined)
            assert.equal(await store.completeWebLogin(completion('a', 'late', 'ua', T0 + 300_000)), 'expired', 'lapsed')
            assert.equal(await store.getUser('ua'), undefined)
            assert.equal(await store.pollWebLogin('a', 'secret-a', T0 + 300_000), undefined, 'lapsed')
            assert.equal(await store.completeWebLogin(completion('unknown', 'n', 'u')), 'expired')

            assert.equal(await store.insertWebLogin(webLogin('b'), 2), true)
            assert.equal(await store.insertWebLogin(webLogin('c'), 2), false, 'two live: full')
            assert.equal(await store.getWebLogin('c'), undefined)
            assert.equal(await store.insertWebLogin(webLogin('d', { createdAt: T0 + 300_000, expiresAt: T0 + 600_000 }), 2), true, 'a and b lapsed')
        })

        withStore('web sign-ins: two signed bodies for one link at once, exactly one signs in', async (store) => {
            await store.insertWebLogin(webLogin('race'), 10)
            const outcomes = await Promise.all([
                store.completeWebLogin(completion('race', 'r1', 'x1')),
                store.completeWebLogin(completion('race', 'r2', 'x2')),
            ])
            assert.deepEqual([...outcomes].sort(), ['done', 'expired'])
            const winner = outcomes[0] === 'done' ? 'x1' : 'x2'
            assert.equal((await store.getWebLogin('race'))!.userId, winner)
            assert.equal(await store.getUser(winner === 'x1' ? 'x2' : 'x1'), undefined)
        })

        withStore('join sessions are taken once, expired or not', async (store) => {
            const js = { tokenHash: 'j', roomName: 'room', userId: 'u', payload: 'p', expiresAt: T0 - 1 }
            await store.insertJoinSession(js)
            assert.deepEqual(await store.takeJoinSession('j'), js)
            assert.equal(await store.takeJoinSession('j'), undefined)
        })

        withStore('reservations: the name is held until it lapses; claimed once, by the right key and creator', async (store) => {
            const r = { name: 'abc', keyHash: 'k1', creatorId: 'c', values: 'a=1', createdAt: T0, expiresAt: T0 + 100 }
            assert.equal(await store.isRoomNameTaken('abc', T0), false)
            assert.equal(await store.insertReservation(r), undefined)
            assert.equal(await store.isRoomNameTaken('abc', T0 + 99), true)
            assert.equal(await store.isRoomNameTaken('abc', T0 + 100), false, 'lapsed')
            assert.deepEqual(await store.getReservation('abc', T0 + 50), r)
            assert.equal(await store.getReservation('abc', T0 + 100), undefined)
            await assert.rejects(store.insertReservation({ ...r, keyHash: 'k2', createdAt: T0 + 1 }), /taken/)
            const claim = { name: 'abc', keyHash: 'k1', creatorId: 'c', now: T0 + 10 }
            assert.equal(await store.createRoomFromReservation({ ...claim, keyHash: 'bad' }, room('abc', { creatorId: 'c' })), undefined)
            assert.equal(await store.createRoomFromReservation({ ...claim, creatorId: 'other' }, room('abc', { creatorId: 'c' })), undefined)
            assert.equal(await store.createRoomFromReservation({ ...claim, now: T0 + 100 }, room('abc', { creatorId: 'c' })), undefined, 'lapsed')
            const created = await store.createRoomFromReservation(claim, room('abc', { creatorId: 'c', createdAt: T0 + 10 }))
            assert.ok(created && typeof created === 'object')
            assert.equal(created.name, 'abc')
            assert.equal(await store.createRoomFromReservation(claim, room('abc', { creatorId: 'c' })), undefined, 'single use')
            assert.equal(await store.isRoomNameTaken('abc', T0 + 1000), true, 'a room holds the name forever')
            await assert.rejects(store.insertReservation({ ...r, createdAt: T0 + 1000, expiresAt: T0 + 2000 }), /taken/)
            // A lapsed reservation's name can be reserved again.
            await store.insertReservation({ ...r, name: 'xyz' })
            assert.equal(await store.insertReservation({ ...r, name: 'xyz', keyHash: 'k9', createdAt: T0 + 100, expiresAt: T0 + 300 }), undefined)
            assert.equal((await store.getReservation('xyz', T0 + 200))!.keyHash, 'k9')
        })

        withStore('rooms: every field round-trips; patch, close; ids are distinct', async (store) => {
            await store.upsertUser(user('creator', 'Cathy'))
            const a = await makeRoom(store, room('aaa', { passwordHash: 'ph', maxPlayers: 4, scoring: 'wins', teams: 2, allowOtherServers: false }))
            assert.deepEqual(a, {
                ...room('aaa', { passwordHash: 'ph', maxPlayers: 4, scoring: 'wins', teams: 2, allowOtherServers: false }),
                id: a.id,
                creatorName: 'Cathy',
                updatedAt: T0,
                closedAt: null,
            })
            const b = await makeRoom(store, room('bbb'))
            assert.notEqual(a.id, b.id)
            assert.deepEqual(await store.getRoom('aaa'), a)
            const patched = await store.updateRoom('aaa', { title: 'New', passwordHash: null, allowOtherServers: true, scoring: 'accuracy' })
            assert.equal(patched!.title, 'New')
            assert.equal(patched!.passwordHash, null)
            assert.equal(patched!.allowOtherServers, true)
            assert.equal(patched!.scoring, 'accuracy')
            assert.equal(patched!.maxPlayers, 4, 'fields not in the patch are kept')
            assert.equal((await store.updateRoom('aaa', { closedAt: T0 + 5 }))!.closedAt, T0 + 5)
            assert.equal(await store.updateRoom('nope', { title: 'x' }), undefined)
            assert.equal(await store.getRoom('nope'), undefined)
        })

        withStore('updateRoom stamps updatedAt with the injected clock', async (store, clock) => {
            await makeRoom(store, room('clk'))
            clock.set(T0 + 12_345)
            assert.equal((await store.updateRoom('clk', { title: 'x' }))!.updatedAt, T0 + 12_345)
        })

        withStore(
            'room caps: per creator (rooms plus live reservations), server-wide (open rooms); a refused claim keeps the reservation',
            async (store) => {
                const caps = { perCreator: 2, total: 3 }
                const reserve = (name: string, creatorId: string, at = T0) =>
                    store.insertReservation({ name, keyHash: 'k', creatorId, values: '', createdAt: at, expiresAt: at + 100 }, caps)
                assert.equal(await reserve('a1', 'a'), undefined)
                assert.equal(await reserve('a2', 'a'), undefined)
                assert.equal(await reserve('a3', 'a'), 'creatorCap')
                assert.equal(await store.isRoomNameTaken('a3', T0), false, 'a refusal writes nothing')
                assert.equal(await reserve('a3', 'a', T0 + 100), undefined, 'lapsed reservations free their places')
                const claim = (name: string, creatorId: string, now = T0 + 100) =>
                    store.createRoomFromReservation({ name, keyHash: 'k', creatorId, now }, room(name, { creatorId, createdAt: now }), caps)
                assert.equal(typeof (await claim('a3', 'a')), 'object')
                for (const n of ['b1', 'b2']) assert.equal(await reserve(n, 'b', T0 + 100), undefined)
                for (const n of ['b1', 'b2']) assert.equal(typeof (await claim(n, 'b')), 'object')
                // Three open rooms: the server cap refuses further claims, not reservations of other creators.
                assert.equal(await reserve('c1', 'c', T0 + 100), 'serverCap')
                assert.equal(await reserve('c1', 'c', T0 + 100), 'serverCap')
                await store.updateRoom('b1', { closedAt: T0 + 101 })
                assert.equal(await reserve('c1', 'c', T0 + 101), undefined)
                await makeRoom(store, room('zz', { creatorId: 'z', createdAt: T0 + 101 }))
                assert.equal(await claim('c1', 'c', T0 + 102), 'serverCap')
                assert.ok(await store.getReservation('c1', T0 + 102), 'kept after a refused claim')
                assert.equal(await store.getRoom('c1'), undefined)
                await store.updateRoom('b2', { closedAt: T0 + 103 })
                assert.equal(typeof (await claim('c1', 'c', T0 + 103)), 'object')
            },
        )

        withStore('concurrent reservations and claims cannot pass the caps together', async (store) => {
            const caps = { perCreator: 3, total: 5 }
            const outcomes = await Promise.all(
                Array.from({ length: 12 }, (_, i) =>
                    store.insertReservation({ name: `p${i}`, keyHash: 'k', creatorId: 'same', values: '', createdAt: T0, expiresAt: T0 + 100 }, caps),
                ),
            )
            assert.equal(outcomes.filter((o) => o === undefined).length, 3)
            const others = Array.from({ length: 8 }, (_, i) => `q${i}`)
            for (const n of others) {
                await store.insertReservation({ name: n, keyHash: 'k', creatorId: n, values: '', createdAt: T0, expiresAt: T0 + 100 }, caps)
            }
            const claims = await Promise.all(
                others.map((n) => store.createRoomFromReservation({ name: n, keyHash: 'k', creatorId: n, now: T0 }, room(n, { creatorId: n }), caps)),
            )
            assert.equal(claims.filter((c) => typeof c === 'object').length, 5)
            assert.equal(claims.filter((c) => c === 'serverCap').length, 3)
            assert.equal(await store.countOpenRooms({ viewerId: null, now: T0 }), 5)
        })

        withStore('rooms remember their node; a room of no node reads null', async (store) => {
            assert.equal((await makeRoom(store, room('on-a', { nodeId: 'node-a' }))).nodeId, 'node-a')
            assert.equal((await makeRoom(store, room('nowhere', { nodeId: null }))).nodeId, null)
            assert.equal((await store.getRoom('on-a'))!.nodeId, 'node-a')
            assert.equal((await store.updateRoom('on-a', { title: 'x', closedAt: T0 + 1 }))!.nodeId, 'node-a', 'kept by patches and closing')
            const listed = await store.listOpenRooms({ viewerId: null, now: T0 })
            assert.deepEqual(
                listed.map((r) => [r.name, r.nodeId]),
                [['nowhere', null]],
            )
        })

        withStore('closing the rooms of dead nodes: open rooms of other nodes and of none, old enough; names once; counters kept', async (store) => {
            const caps = { perCreator: 10, total: 6 }
            const rooms: [string, string | null, number][] = [
                ['alive1', 'a', T0],
                ['alive2', 'a', T0 + 50],
                ['dead1', 'b', T0],
                ['dead2', 'c', T0 + 99],
                ['young', 'b', T0 + 100],
                ['legacy', null, T0],
            ]
            for (const [name, nodeId, at] of rooms) await makeRoom(store, room(name, { nodeId, createdAt: at, creatorId: `u-${name}` }))
            await makeRoom(store, room('gone', { nodeId: 'b', createdAt: T0, creatorId: 'u-gone' }))
            await store.updateRoom('gone', { closedAt: T0 + 5 })
            const reserve = (name: string, at: number) =>
                store.insertReservation({ name, keyHash: 'k', creatorId: `u-${name}`, values: '', createdAt: at, expiresAt: at + 10_000 }, caps)
            assert.equal(await reserve('later', T0 + 200), 'serverCap', 'six open rooms: the server is full')

            const closed = await store.closeRoomsOfDeadNodes(['a', 'z'], T0 + 100, T0 + 1000)
            assert.deepEqual(closed.sort(), ['dead1', 'dead2', 'legacy'])
            for (const name of closed) {
                const r = (await store.getRoom(name))!
                assert.equal(r.closedAt, T0 + 1000, name)
                assert.equal(r.updatedAt, T0 + 1000, name)
            }
            for (const name of ['alive1', 'alive2', 'young']) assert.equal((await store.getRoom(name))!.closedAt, null, `${name} kept`)
            assert.equal((await store.getRoom('gone'))!.closedAt, T0 + 5, 'a closed room keeps its closing time')
            assert.deepEqual(await store.closeRoomsOfDeadNodes(['a'], T0 + 100, T0 + 2000), [], 'closed once')
            assert.equal(await store.countOpenRooms({ viewerId: null, now: T0 }), 3)
            // The open-room counter followed: three places are free again.
            assert.equal(await reserve('later', T0 + 200), undefined)
            // Reopening counts again; an update that opens or closes nothing leaves the count alone.
            for (const name of closed) await store.updateRoom(name, { closedAt: null })
            await store.updateRoom('alive1', { title: 'renamed' })
            assert.equal(await reserve('later2', T0 + 200), 'serverCap')
            await store.closeRoomsOfDeadNodes(['a'], T0 + 100, T0 + 1000)

            assert.deepEqual(await store.closeRoomsOfDeadNodes(['a'], T0 + 101, T0 + 3000), ['young'], 'old enough now')
            assert.deepEqual((await store.closeRoomsOfDeadNodes([], T0 + 101, T0 + 4000)).sort(), ['alive1', 'alive2'], 'no node alive')
            assert.equal(await store.countOpenRooms({ viewerId: null, now: T0 }), 0)
            const fill = ['f1', 'f2', 'f3', 'f4', 'f5', 'f6']
            for (const name of fill) await makeRoom(store, room(name, { nodeId: 'a', createdAt: T0 + 300, creatorId: `u-${name}` }))
            assert.equal(await reserve('f7', T0 + 300), 'serverCap', 'the counter is exact, not merely lowered')
        })

        withStore('sweeps of several nodes at once: every dead room is closed by exactly one of them', async (store) => {
            const nodes = ['a', 'b', 'c', 'd']
            const names: string[] = []
            for (let i = 0; i < 80; i++) {
                const name = `r${i}`
                names.push(name)
                await makeRoom(store, room(name, { nodeId: nodes[i % nodes.length]!, createdAt: T0 + i, creatorId: `u${i}` }))
            }
            const alive = [['a'], ['a', 'b'], ['a'], ['a', 'c'], ['a', 'd'], ['a']]
            const results = await Promise.all(alive.map((ids) => store.closeRoomsOfDeadNodes(ids, T0 + 1000, T0 + 2000)))
            const all = results.flat()
            assert.equal(new Set(all).size, all.length, 'no room reported twice')
            assert.deepEqual(all.sort(), names.filter((_, i) => i % nodes.length !== 0).sort())
            assert.equal(await store.countOpenRooms({ viewerId: null, now: T0 }), 20)
            const caps = { perCreator: 5, total: 21 }
            const reserve = (name: string) =>
                store.insertReservation({ name, keyHash: 'k', creatorId: name, values: '', createdAt: T0, expiresAt: T0 + 100 }, caps)
            assert.equal(await reserve('x1'), undefined)
            await store.createRoomFromReservation({ name: 'x1', keyHash: 'k', creatorId: 'x1', now: T0 }, room('x1', { creatorId: 'x1' }), caps)
            assert.equal(await reserve('x2'), 'serverCap', 'the counter matches the open rooms')
        })

        withStore('room list: open only, newest first, privacy by viewer, unlocks, keywords, filters', async (store) => {
            await store.upsertUser(user('alice', 'Alice Smith'))
            await makeRoom(store, room('r1', { creatorId: 'alice', title: 'Chill 50% room', createdAt: T0 + 1 }))
            await makeRoom(store, room('r2', { creatorId: 'bob', title: 'Hard', passwordHash: 'x', createdAt: T0 + 2 }))
            await makeRoom(store, room('r3', { creatorId: 'bob', title: 'chill_again', createdAt: T0 + 3 }))
            await makeRoom(store, room('r4', { creatorId: 'bob', title: 'Closed', createdAt: T0 + 4 }))
            await store.updateRoom('r4', { closedAt: T0 + 5 })
            const names = async (q: Partial<RoomQuery>) => (await store.listOpenRooms({ viewerId: null, now: T0 + 10, ...q })).map((r) => r.name)
            const count = (q: Partial<RoomQuery>) => store.countOpenRooms({ viewerId: null, now: T0 + 10, ...q })
            assert.deepEqual(await names({}), ['r3', 'r1'])
            assert.equal(await count({}), 2)
            assert.deepEqual(await names({ viewerId: 'bob' }), ['r3', 'r2', 'r1'], 'the creator sees their private room')
            assert.deepEqual(await names({ viewerId: 'carol' }), ['r3', 'r1'])
            await store.addRoomUnlock('r2', 'carol', T0 + 20)
            assert.deepEqual(await names({ viewerId: 'carol' }), ['r3', 'r2', 'r1'], 'an unlock shows it')
            assert.deepEqual(await names({ viewerId: 'carol', now: T0 + 20 }), ['r3', 'r1'], 'until it lapses')
            assert.deepEqual(await names({ keywords: ['chill'] }), ['r3', 'r1'], 'case-insensitive')
            assert.deepEqual(await names({ keywords: ['50%'] }), ['r1'], '% is literal')
            assert.deepEqual(await names({ keywords: ['l_a'] }), ['r3'], '_ is literal')
            assert.deepEqual(await names({ keywords: ['smith'] }), ['r1'], "the creator's name")
            assert.deepEqual(await names({ keywords: ['r3'] }), ['r3'], 'the room name')
            assert.deepEqual(await names({ keywords: ['chill', 'again'] }), ['r3'], 'every keyword')
            assert.equal(await count({ keywords: ['smith'] }), 1)
            assert.deepEqual(await names({ names: ['r1', 'r2', 'r4'] }), ['r1'])
            assert.deepEqual(await names({ names: [] }), [])
            assert.equal(await count({ names: [] }), 0)
            assert.deepEqual(await names({ exceptNames: ['r3'] }), ['r1'])
            assert.deepEqual(await names({ createdBy: 'bob', viewerId: 'bob' }), ['r3', 'r2'])
            assert.deepEqual(await names({ includeAllPrivate: true, exactTitle: 'hard' }), ['r2'])
            assert.deepEqual(await names({ exactTitle: 'hard' }), [], 'private without includeAllPrivate')
            const many = Array.from({ length: 3000 }, (_, i) => `x${i}`).concat('r3')
            assert.deepEqual(await names({ names: many }), ['r3'], 'thousands of names in one query')
            assert.deepEqual(await names({ exceptNames: many }), ['r1'])
        })

        withStore('room list paging: limit/offset and keyset pages walk every room once, newest first; ties broken by id', async (store) => {
            // Pairs of rooms share a creation time, so the keyset needs the id.
            for (let i = 0; i < 45; i++) await makeRoom(store, room(`p${String(i).padStart(2, '0')}`, { createdAt: T0 + Math.floor(i / 2) }))
            const q: RoomQuery = { viewerId: null, now: T0 }
            const all = (await store.listOpenRooms(q)).map((r) => r.name)
            assert.equal(all.length, 45)
            assert.equal(await store.countOpenRooms({ ...q, limit: 5, offset: 5 }), 45)
            const byOffset: string[] = []
            for (let page = 0; page < 3; page++)
                byOffset.push(...(await store.listOpenRooms({ ...q, limit: 20, offset: page * 20 })).map((r) => r.name))
            assert.deepEqual(byOffset, all)
            const byKey: string[] = []
            let after: RoomQuery['after']
            for (;;) {
                const page = await store.listOpenRooms({ ...q, limit: 20, after })
                if (!page.length) break
                byKey.push(...page.map((r) => r.name))
                const last = page.at(-1)!
                after = { createdAt: last.createdAt, id: last.id }
            }
            assert.deepEqual(byKey, all)
            const rooms = await store.listOpenRooms(q)
            for (let i = 1; i < rooms.length; i++) {
                const [a, b] = [rooms[i - 1]!, rooms[i]!]
                assert.ok(a.createdAt > b.createdAt || (a.createdAt === b.createdAt && a.id > b.id), 'newest first, then id descending')
            }
        })

        withStore('bans and unlocks expire; a longer one is never shortened', async (store) => {
            await store.addRoomBan('r', 'u', T0 + 100)
            await store.addRoomBan('r', 'u', T0 + 50)
            assert.equal(await store.isRoomBanned('r', 'u', T0 + 99), true)
            assert.equal(await store.isRoomBanned('r', 'u', T0 + 100), false)
            assert.equal(await store.isRoomBanned('r', 'other', T0), false)
            await store.addRoomBan('r', 'v', T0 + 200)
            await store.addRoomBan('elsewhere', 'w', T0 + 200)
            assert.deepEqual(
                await store.listRoomBans('r', T0 + 99),
                new Map([
                    ['u', T0 + 100],
                    ['v', T0 + 200],
                ]),
            )
            assert.deepEqual(await store.listRoomBans('r', T0 + 100), new Map([['v', T0 + 200]]))
            assert.deepEqual(await store.listRoomBans('nobody', T0), new Map())
            await store.addRoomUnlock('r', 'u', T0 + 10)
            await store.addRoomUnlock('r', 'u', T0 + 30)
            assert.equal(await store.isRoomUnlocked('r', 'u', T0 + 29), true)
            assert.equal(await store.isRoomUnlocked('r', 'u', T0 + 30), false)
        })

        withStore('chat: newest first, id cursor, system lines without a user', async (store) => {
            const ids: number[] = []
            for (let i = 0; i < 5; i++)
                ids.push(
                    await store.insertChatMessage({
                        roomName: 'r',
                        userId: i ? 'u' : null,
                        type: i % 2 ? 'quick' : 'text',
                        value: `m${i}`,
                        at: T0 + i,
                    }),
                )
            await store.insertChatMessage({ roomName: 'other', userId: 'u', type: 'text', value: 'x', at: T0 })
            assert.ok(
                ids.every((id, i) => i === 0 || id > ids[i - 1]!),
                'ids increase',
            )
            const latest = await store.listChatMessages('r', { limit: 2 })
            assert.deepEqual(latest, [
                { id: ids[4], roomName: 'r', userId: 'u', type: 'text', value: 'm4', at: T0 + 4 },
                { id: ids[3], roomName: 'r', userId: 'u', type: 'quick', value: 'm3', at: T0 + 3 },
            ])
            const older = await store.listChatMessages('r', { before: ids[3], limit: 10 })
            assert.deepEqual(
                older.map((m) => m.value),
                ['m2', 'm1', 'm0'],
            )
            assert.equal(older.at(-1)!.userId, null)
        })

        withStore('chat lines and results asked for at once get ids in the order they were asked for', async (store) => {
            const lines = await Promise.all(
                Array.from({ length: 40 }, (_, i) => store.insertChatMessage({ roomName: 'r', userId: 'u', type: 'text', value: `m${i}`, at: T0 })),
            )
            assert.deepEqual(
                lines,
                [...lines].sort((a, b) => a - b),
            )
            assert.deepEqual(
                (await store.listChatMessages('r', { limit: 100 })).map((m) => m.value),
                lines.map((_, i) => `m${39 - i}`),
            )
            const results = await Promise.all(
                Array.from({ length: 40 }, (_, i) => store.insertRoundResult({ roomName: 'r', round: i, userId: 'u', result: {} as any, at: T0 })),
            )
            assert.deepEqual(
                results,
                [...results].sort((a, b) => a - b),
            )
            assert.deepEqual(
                (await store.listRoundResults('r', { limit: 100 })).map((r) => r.round),
                results.map((_, i) => 39 - i),
            )
        })

        withStore('round results and reports', async (store) => {
            const result = {
                grade: 'allPerfect',
                arcadeScore: 1_000_000,
                accuracyScore: 9.5,
                combo: 10,
                perfect: 10,
                great: 0,
                good: 0,
                miss: 0,
                totalCount: 10,
            } as any
            const r1 = await store.insertRoundResult({ roomName: 'r', round: 1, userId: 'u', result, at: T0 })
            const r2 = await store.insertRoundResult({ roomName: 'r', round: 2, userId: 'u', result, at: T0 + 1 })
            assert.ok(r2 > r1)
            assert.deepEqual(await store.listRoundResults('r', { limit: 1 }), [{ id: r2, roomName: 'r', round: 2, userId: 'u', result, at: T0 + 1 }])
            assert.equal((await store.listRoundResults('r', { limit: 5 })).length, 2)
            const p1 = await store.insertReport({ roomName: 'r', reporterId: 'a', targetId: 'b', optionValues: 'reason=x', at: T0 })
            const p2 = await store.insertReport({ roomName: 's', reporterId: 'a', targetId: 'c', optionValues: '', at: T0 + 1 })
            assert.deepEqual(
                (await store.listReports({ limit: 10 })).map((r) => r.id),
                [p2, p1],
            )
            assert.deepEqual(await store.listReports({ roomName: 'r', limit: 10 }), [
                { id: p1, roomName: 'r', reporterId: 'a', targetId: 'b', optionValues: 'reason=x', at: T0, resolvedAt: null, resolution: null },
            ])
        })

        withStore('reports resolve once; the open filter leaves resolved ones out', async (store) => {
            const a = await store.insertReport({ roomName: 'r', reporterId: 'x', targetId: 'y', optionValues: '', at: T0 })
            const b = await store.insertReport({ roomName: 'r', reporterId: 'x', targetId: 'z', optionValues: '', at: T0 + 1 })
            const c = await store.insertReport({ roomName: 's', reporterId: 'x', targetId: 'z', optionValues: '', at: T0 + 2 })
            const resolved = await store.resolveReport(b, { at: T0 + 10, note: 'warned' })
            assert.deepEqual(resolved, {
                id: b,
                roomName: 'r',
                reporterId: 'x',
                targetId: 'z',
                optionValues: '',
                at: T0 + 1,
                resolvedAt: T0 + 10,
                resolution: 'warned',
            })
            assert.equal(await store.resolveReport(b, { at: T0 + 20, note: 'again' }), undefined, 'resolved once')
            assert.equal(await store.resolveReport(c + 100, { at: T0, note: 'none' }), undefined, 'no such report')
            assert.deepEqual(
                (await store.listReports({ open: true, limit: 10 })).map((r) => r.id),
                [c, a],
            )
            assert.deepEqual(
                (await store.listReports({ open: true, roomName: 'r', limit: 10 })).map((r) => r.id),
                [a],
            )
            assert.deepEqual(
                (await store.listReports({ open: true, limit: 1 })).map((r) => r.id),
                [c],
            )
            const all = await store.listReports({ roomName: 'r', limit: 10 })
            assert.deepEqual(
                all.map((r) => [r.id, r.resolvedAt, r.resolution]),
                [
                    [b, T0 + 10, 'warned'],
                    [a, null, null],
                ],
            )
        })

        withStore("user chat: one user's lines in one room, newest first, until a time, limited; queued lines seen", async (store) => {
            const ids: number[] = []
            for (let i = 0; i < 4; i++)
                ids.push(await store.insertChatMessage({ roomName: 'r', userId: 'u', type: 'text', value: `u${i}`, at: T0 + i }))
            await store.insertChatMessage({ roomName: 'r', userId: 'v', type: 'text', value: 'other user', at: T0 })
            await store.insertChatMessage({ roomName: 's', userId: 'u', type: 'text', value: 'other room', at: T0 })
            await store.insertChatMessage({ roomName: 'r', userId: null, type: 'text', value: 'system', at: T0 })
            const values = async (o: { until: number; limit: number }) => (await store.listUserChat('r', 'u', o)).map((m) => m.value)
            assert.deepEqual(await values({ until: T0 + 10, limit: 10 }), ['u3', 'u2', 'u1', 'u0'])
            assert.deepEqual(await values({ until: T0 + 2, limit: 10 }), ['u2', 'u1', 'u0'], 'until is inclusive')
            assert.deepEqual(await values({ until: T0 + 10, limit: 2 }), ['u3', 'u2'])
            assert.deepEqual((await store.listUserChat('r', 'u', { until: T0, limit: 1 }))[0], {
                id: ids[0],
                roomName: 'r',
                userId: 'u',
                type: 'text',
                value: 'u0',
                at: T0,
            })
            void store.insertChatMessage({ roomName: 'r', userId: 'u', type: 'quick', value: 'queued', at: T0 + 5 })
            assert.deepEqual(await values({ until: T0 + 10, limit: 1 }), ['queued'])
        })

        withStore('chat deletion returns the line once; the rest stay', async (store) => {
            const a = await store.insertChatMessage({ roomName: 'r', userId: 'u', type: 'text', value: 'keep', at: T0 })
            const b = await store.insertChatMessage({ roomName: 'r', userId: 'u', type: 'quick', value: 'drop', at: T0 + 1 })
            assert.deepEqual(await store.deleteChatMessage(b), { id: b, roomName: 'r', userId: 'u', type: 'quick', value: 'drop', at: T0 + 1 })
            assert.equal(await store.deleteChatMessage(b), undefined)
            assert.deepEqual(
                (await store.listChatMessages('r', { limit: 10 })).map((m) => m.id),
                [a],
            )
            // A line asked for just before (not awaited) is there to delete once its id is known.
            const queued = store.insertChatMessage({ roomName: 's', userId: 'u', type: 'text', value: 'q', at: T0 })
            const gone = store.deleteChatMessage(await queued)
            assert.equal((await gone)!.value, 'q')
            assert.deepEqual(await store.listChatMessages('s', { limit: 10 }), [])
        })

        withStore(
            'server bans: a new ban replaces the old one, lifting says whether there was one, only running bans listed, sweep drops lapsed ones',
            async (store, clock) => {
                await store.putServerBan({ userId: 'a', until: T0 + 1000, reason: 'spam', createdAt: T0 })
                await store.putServerBan({ userId: 'b', until: T0 + 10, reason: 'short', createdAt: T0 + 1 })
                await store.putServerBan({ userId: 'a', until: T0 + 50, reason: 'shortened', createdAt: T0 + 2 })
                assert.deepEqual(await store.listServerBans(T0), [
                    { userId: 'b', until: T0 + 10, reason: 'short', createdAt: T0 + 1 },
                    { userId: 'a', until: T0 + 50, reason: 'shortened', createdAt: T0 + 2 },
                ])
                assert.deepEqual(
                    (await store.listServerBans(T0 + 10)).map((b) => b.userId),
                    ['a'],
                    'a ban ends at its until',
                )
                assert.equal(await store.deleteServerBan('a'), true)
                assert.equal(await store.deleteServerBan('a'), false)
                assert.deepEqual(
                    (await store.listServerBans(T0)).map((b) => b.userId),
                    ['b'],
                )
                await store.putServerBan({ userId: 'c', until: T0 + 100, reason: 'later', createdAt: T0 + 3 })
                clock.set(T0 + 10)
                await store.sweep(T0 + 10)
                assert.deepEqual(
                    (await store.listServerBans(0)).map((b) => b.userId),
                    ['c'],
                    'the lapsed ban is gone, even for a reader in the past',
                )
                assert.equal(await store.deleteServerBan('b'), false)
            },
        )

        withStore('audit log: entries with their details, newest first, paged by an id cursor', async (store) => {
            const ids: number[] = []
            for (let i = 0; i < 5; i++) {
                ids.push(
                    await store.insertAuditEntry({
                        at: T0 + i,
                        action: `act${i}`,
                        target: `t${i}`,
                        details: { i, by: 'mod', nested: { list: [1, 'two'] } },
                    }),
                )
            }
            assert.deepEqual(
                ids,
                [...ids].sort((x, y) => x - y),
            )
            const first = await store.listAuditEntries({ limit: 2 })
            assert.deepEqual(first[0], {
                id: ids[4],
                at: T0 + 4,
                action: 'act4',
                target: 't4',
                details: { i: 4, by: 'mod', nested: { list: [1, 'two'] } },
            })
            assert.deepEqual(
                first.map((e) => e.id),
                [ids[4], ids[3]],
            )
            const second = await store.listAuditEntries({ before: first[1]!.id, limit: 2 })
            assert.deepEqual(
                second.map((e) => e.id),
                [ids[2], ids[1]],
            )
            const last = await store.listAuditEntries({ before: second[1]!.id, limit: 2 })
            assert.deepEqual(
                last.map((e) => e.id),
                [ids[0]],
            )
            assert.deepEqual(await store.listAuditEntries({ before: ids[0], limit: 2 }), [])
        })

        withStore('ping answers while the store is open and rejects once it is closed', async (store) => {
            await store.ping()
            await store.close()
            await assert.rejects(store.ping())
        })

        withStore('memberships: upsert moves joined_at, members with names earliest first, delete', async (store) => {
            await store.upsertUser(user('a', 'Ann'))
            await store.upsertRoomMembership({ roomName: 'r', userId: 'a', joinedAt: T0 + 5 })
            await store.upsertRoomMembership({ roomName: 'r', userId: 'b', joinedAt: T0 + 3 })
            assert.deepEqual(await store.getRoomMembership('r', 'a'), { roomName: 'r', userId: 'a', joinedAt: T0 + 5 })
            assert.deepEqual(await store.listRoomMembers('r'), [
                { roomName: 'r', userId: 'b', joinedAt: T0 + 3, handle: null, name: null },
                { roomName: 'r', userId: 'a', joinedAt: T0 + 5, handle: 'ha', name: 'Ann' },
            ])
            await store.upsertRoomMembership({ roomName: 'r', userId: 'b', joinedAt: T0 + 9 })
            assert.deepEqual(
                (await store.listRoomMembers('r')).map((m) => m.userId),
                ['a', 'b'],
            )
            assert.equal(await store.deleteRoomMembership('r', 'a'), true)
            assert.equal(await store.deleteRoomMembership('r', 'a'), false)
            assert.equal(await store.getRoomMembership('r', 'a'), undefined)
        })

        withStore('API tokens: insert, by hash, list live ones, revoke once (own only), touch', async (store) => {
            const t1 = await store.insertApiToken({ userId: 'u', name: 'bot', tokenHash: 'h1', createdAt: T0 })
            const t2 = await store.insertApiToken({ userId: 'u', name: 'bot2', tokenHash: 'h2', createdAt: T0 + 1 })
            assert.deepEqual(t1, { id: t1.id, userId: 'u', name: 'bot', tokenHash: 'h1', createdAt: T0, lastUsedAt: null, revoked: false })
            assert.ok(t2.id > t1.id)
            await assert.rejects(store.insertApiToken({ userId: 'v', name: 'dup', tokenHash: 'h1', createdAt: T0 }), 'token hashes are unique')
            assert.deepEqual(await store.getApiTokenByHash('h2'), t2)
            assert.equal(await store.revokeApiToken('someone', t1.id), false)
            assert.equal(await store.revokeApiToken('u', t1.id), true)
            assert.equal(await store.revokeApiToken('u', t1.id), false)
            assert.equal((await store.getApiTokenByHash('h1'))!.revoked, true)
            assert.deepEqual(
                (await store.listApiTokens('u')).map((t) => t.id),
                [t2.id],
            )
            await store.touchApiToken(t2.id, T0 + 50)
            assert.equal((await store.getApiTokenByHash('h2'))!.lastUsedAt, T0 + 50)
        })

        withStore('sweep removes what has expired and nothing else', async (store) => {
            // Sessions as the app makes them: keys with their creation time in clear, and a sweep at least the
            // longest Sonolus session's lifetime later (the SQLite store finds expired sessions by that key).
            const at = T0 + maxSessionTtlMs
            const [old, young] = [hashToken(newToken(T0)), hashToken(newToken(T0))]
            await store.insertSession({ tokenHash: old, userId: 'u', createdAt: T0, expiresAt: at })
            await store.insertSession({ tokenHash: young, userId: 'u', createdAt: T0, expiresAt: at + 1 })
            await store.insertJoinSession({ tokenHash: 'jold', roomName: 'r', userId: 'u', payload: '', expiresAt: at })
            await store.insertJoinSession({ tokenHash: 'jnew', roomName: 'r', userId: 'u', payload: '', expiresAt: at + 1 })
            await store.insertReservation({ name: 'res-old', keyHash: 'k', creatorId: 'c', values: '', createdAt: T0, expiresAt: at })
            await store.insertReservation({ name: 'res-new', keyHash: 'k', creatorId: 'c', values: '', createdAt: T0, expiresAt: at + 1 })
            await store.addRoomBan('r', 'old', at)
            await store.addRoomBan('r', 'new', at + 1)
            await store.addRoomUnlock('r', 'old', at)
            await store.addRoomUnlock('r', 'new', at + 1)
            await store.insertWebLogin({ id: 'wold', secretHash: 's', sessionHash: 'h1', createdAt: T0, expiresAt: at }, 10)
            await store.insertWebLogin({ id: 'wnew', secretHash: 's', sessionHash: 'h2', createdAt: T0, expiresAt: at + 1 }, 10)
            await store.sweep(at)
            assert.equal(await store.getSession(old), undefined)
            assert.ok(await store.getSession(young))
            assert.equal(await store.takeJoinSession('jold'), undefined)
            assert.ok(await store.takeJoinSession('jnew'))
            assert.equal(await store.getReservation('res-old', 0), undefined, 'gone, even for a reader in the past')
            assert.ok(await store.getReservation('res-new', T0))
            assert.equal(await store.isRoomBanned('r', 'old', 0), false)
            assert.equal(await store.isRoomBanned('r', 'new', 0), true)
            assert.equal(await store.isRoomUnlocked('r', 'old', 0), false)
            assert.equal(await store.isRoomUnlocked('r', 'new', 0), true)
            assert.equal(await store.getWebLogin('wold'), undefined)
            assert.ok(await store.getWebLogin('wnew'))
        })

        withStore('read-your-writes: un-awaited writes are seen by the next read', async (store) => {
            void store.insertSession({ tokenHash: 's', userId: 'u', createdAt: T0, expiresAt: T0 + 1 })
            assert.ok(await store.getSession('s'))
            void store.deleteSession('s')
            assert.equal(await store.getSession('s'), undefined)
            void store.upsertUser(user('u', 'First'))
            assert.equal((await store.getUser('u'))!.name, 'First')
            void store.upsertUser({ ...user('u', 'Second'), updatedAt: T0 + 1 })
            assert.equal((await store.getUser('u'))!.name, 'Second')
            void store.insertJoinSession({ tokenHash: 'j', roomName: 'r', userId: 'u', payload: '', expiresAt: T0 })
            assert.ok(await store.takeJoinSession('j'))
            void store.recordSignIn({
                nonce: nonce('n1'),
                user: user('v', 'Vee'),
                session: { tokenHash: 'sv', userId: 'v', createdAt: T0, expiresAt: T0 + 1 },
            })
            assert.ok(await store.getSession('sv'))
            assert.equal((await store.getUser('v'))!.name, 'Vee')
            void store.recordJoin({
                nonce: nonce('n2'),
                user: user('w', 'Dub'),
                joinSession: { tokenHash: 'jw', roomName: 'r', userId: 'w', payload: '', expiresAt: T0 },
            })
            assert.ok(await store.takeJoinSession('jw'))
            // A creator's new name shows in room reads and member lists at once.
            await store.upsertUser(user('c', 'Old Name'))
            await makeRoom(store, room('cr', { creatorId: 'c' }))
            await store.upsertRoomMembership({ roomName: 'cr', userId: 'c', joinedAt: T0 })
            void store.upsertUser({ ...user('c', 'New Name'), updatedAt: T0 + 1 })
            assert.equal((await store.getRoom('cr'))!.creatorName, 'New Name')
            void store.upsertUser({ ...user('c', 'Newer Name'), updatedAt: T0 + 2 })
            assert.equal((await store.listOpenRooms({ viewerId: null, now: T0 }))[0]!.creatorName, 'Newer Name')
            void store.upsertUser({ ...user('c', 'Searchable'), updatedAt: T0 + 3 })
            assert.equal(await store.countOpenRooms({ viewerId: null, now: T0, keywords: ['searchable'] }), 1)
            void store.upsertUser({ ...user('c', 'Member'), updatedAt: T0 + 4 })
            assert.equal((await store.listRoomMembers('cr'))[0]!.name, 'Member')
            // Sweep and close commit what is queued.
            void store.insertSession({ tokenHash: 'late', userId: 'u', createdAt: T0, expiresAt: T0 + 10 })
            await store.sweep(T0)
            assert.ok(await store.getSession('late'))
        })

        withStore('read-your-writes: each read that may see a queued row, asked for right after the write', async (store) => {
            const session = (t: string, u: string) => ({ tokenHash: t, userId: u, createdAt: T0, expiresAt: T0 + 1 })
            // Profiles written by joins (with and without a join session) and by sign-ins.
            void store.recordJoin({ nonce: nonce('j1'), user: user('a', 'Joined') })
            assert.equal((await store.getUser('a'))!.name, 'Joined')
            void store.recordJoin({
                nonce: nonce('j2'),
                user: user('a', 'Joined again'),
                joinSession: { tokenHash: 'ja', roomName: 'r', userId: 'a', payload: '', expiresAt: T0 },
            })
            assert.equal((await store.getUser('a'))!.name, 'Joined again')
            void store.recordSignIn({ nonce: nonce('s1'), user: user('a', 'Signed'), session: session('sa', 'a') })
            assert.equal((await store.getUser('a'))!.name, 'Signed')
            void store.deleteSession('sa')
            assert.equal(await store.getSession('sa'), undefined)
            // Chat lines and results.
            void store.insertChatMessage({ roomName: 'r', userId: 'a', type: 'text', value: 'queued', at: T0 })
            assert.deepEqual(
                (await store.listChatMessages('r', { limit: 10 })).map((m) => m.value),
                ['queued'],
            )
            void store.insertRoundResult({ roomName: 'r', round: 7, userId: 'a', result: {} as any, at: T0 })
            assert.deepEqual(
                (await store.listRoundResults('r', { limit: 10 })).map((r) => r.round),
                [7],
            )
            // Reports: a moderator's list right after a player was told their report was received.
            void store.insertReport({ roomName: 'r', reporterId: 'a', targetId: 'b', optionValues: '', at: T0 })
            assert.deepEqual(
                (await store.listReports({ roomName: 'r', open: true, limit: 10 })).map((r) => r.targetId),
                ['b'],
            )
            void store.insertReport({ roomName: 'q', reporterId: 'a', targetId: 'c', optionValues: '', at: T0 })
            assert.deepEqual(
                (await store.listReports({ open: true, limit: 10 })).map((r) => r.targetId),
                ['c', 'b'],
            )
            // A creator renamed by a sign-in or a join: every room read shows the new name.
            await store.upsertUser(user('c', 'Old'))
            await makeRoom(store, room('cr', { creatorId: 'c' }))
            void store.recordSignIn({ nonce: nonce('s2'), user: user('c', 'Signed Name'), session: session('sc', 'c') })
            assert.equal((await store.getRoom('cr'))!.creatorName, 'Signed Name')
            void store.recordJoin({ nonce: nonce('j3'), user: user('c', 'Joined Name') })
            assert.equal((await store.updateRoom('cr', { title: 'T' }))!.creatorName, 'Joined Name')
            void store.recordJoin({ nonce: nonce('j4'), user: user('c', 'Findme') })
            assert.deepEqual(
                (await store.listOpenRooms({ viewerId: null, now: T0, keywords: ['findme'] })).map((r) => r.name),
                ['cr'],
            )
            void store.recordSignIn({ nonce: nonce('s3'), user: user('c', 'Counted'), session: session('sc2', 'c') })
            assert.equal(await store.countOpenRooms({ viewerId: null, now: T0, keywords: ['counted'] }), 1)
            // A member renamed by a join, beside a queued profile of someone who is no member.
            await store.upsertRoomMembership({ roomName: 'cr', userId: 'm', joinedAt: T0 })
            void store.upsertUser(user('stranger', 'Stranger'))
            void store.recordJoin({ nonce: nonce('j5'), user: user('m', 'Member Name') })
            assert.deepEqual(
                (await store.listRoomMembers('cr')).map((m) => m.name),
                ['Member Name'],
            )
            assert.equal((await store.getUser('stranger'))!.name, 'Stranger')
        })

        withStore('a queued write that fails: reads see the row as stored (nothing pretended); later writes of the row are seen', async (store) => {
            const s = { tokenHash: 'dup', userId: 'owner', createdAt: T0, expiresAt: T0 + 1 }
            await store.insertSession(s)
            // Beside a good write: the batch is rolled back and its jobs run again one by one.
            const bad = assert.rejects(store.insertSession({ ...s, userId: 'intruder' }))
            const good = store.insertSession({ ...s, tokenHash: 'good' })
            assert.equal((await store.getSession('dup'))!.userId, 'owner')
            await bad
            await good
            assert.ok(await store.getSession('good'))
            void store.deleteSession('dup')
            assert.equal(await store.getSession('dup'), undefined)
            // A join whose join session clashes is rolled back whole: no profile, nonce not spent.
            const taken = { tokenHash: 'taken', roomName: 'r', userId: 'x', payload: '', expiresAt: T0 + 10 }
            await store.insertJoinSession(taken)
            const join = assert.rejects(
                store.recordJoin({ nonce: nonce('jx'), user: user('ghost', 'Ghost'), joinSession: { ...taken, userId: 'ghost' } }),
            )
            assert.equal(await store.getUser('ghost'), undefined)
            await join
            assert.equal(await store.useNonce(nonce('jx')), true, 'the rolled-back join did not spend its nonce')
            // The same profile asked for again is really written: a rolled-back write is not taken as done.
            void store.upsertUser(user('ghost', 'Ghost'))
            assert.equal((await store.getUser('ghost'))!.name, 'Ghost')
            assert.deepEqual(await store.takeJoinSession('taken'), taken)
        })

        if (options.reopen) {
            const reopen = options.reopen
            withStore('close commits the queued writes first: the reopened store has them', async (store, clock) => {
                const written = [
                    store.recordSignIn({
                        nonce: nonce('c1'),
                        user: user('u', 'Closing'),
                        session: { tokenHash: 'cs', userId: 'u', createdAt: T0, expiresAt: T0 + 1 },
                    }),
                    store.recordJoin({
                        nonce: nonce('c2'),
                        user: user('v'),
                        joinSession: { tokenHash: 'cj', roomName: 'r', userId: 'v', payload: '', expiresAt: T0 },
                    }),
                    store.insertChatMessage({ roomName: 'r', userId: 'u', type: 'text', value: 'last words', at: T0 }),
                ]
                await store.close()
                await Promise.all(written)
                const again = await reopen(store, clock)
                try {
                    assert.equal((await again.getUser('u'))!.name, 'Closing')
                    assert.ok(await again.getSession('cs'))
                    assert.ok(await again.takeJoinSession('cj'))
                    assert.deepEqual(
                        (await again.listChatMessages('r', { limit: 10 })).map((m) => m.value),
                        ['last words'],
                    )
                } finally {
                    await again.close()
                }
            })
        }

        withStore('a nonce spent twice at once: exactly one of the writes wins, the other writes nothing', async (store) => {
            const session = (t: string) => ({ tokenHash: t, userId: t, createdAt: T0, expiresAt: T0 + 1 })
            const outcomes = await Promise.all([
                store.recordSignIn({ nonce: nonce('same'), user: user('x1'), session: session('x1') }),
                store.recordSignIn({ nonce: nonce('same'), user: user('x2'), session: session('x2') }),
                store.recordJoin({ nonce: nonce('same'), user: user('x3') }),
                store.useNonce(nonce('same')),
            ])
            assert.equal(outcomes.filter(Boolean).length, 1)
            const winners = (await Promise.all(['x1', 'x2', 'x3'].map((id) => store.getUser(id)))).filter(Boolean)
            assert.equal(winners.length, outcomes.slice(0, 3).filter(Boolean).length)
        })

        withStore('concurrent writers: many sign-ins, joins and chat lines at once all land', async (store) => {
            const n = 200
            const jobs: Promise<unknown>[] = []
            for (let i = 0; i < n; i++) {
                jobs.push(
                    store.recordSignIn({
                        nonce: nonce(`s${i}`),
                        user: user(`u${i % 50}`),
                        session: { tokenHash: `t${i}`, userId: `u${i % 50}`, createdAt: T0, expiresAt: T0 + 1 },
                    }),
                )
                jobs.push(
                    store.recordJoin({
                        nonce: nonce(`j${i}`),
                        user: user(`u${i % 50}`),
                        joinSession: { tokenHash: `jt${i}`, roomName: 'r', userId: 'u', payload: '', expiresAt: T0 },
                    }),
                )
                jobs.push(store.insertChatMessage({ roomName: 'r', userId: 'u', type: 'text', value: `c${i}`, at: T0 }))
            }
            const out = await Promise.all(jobs)
            assert.equal(out.filter((o) => o === true).length, 2 * n)
            for (let i = 0; i < n; i++) {
                assert.ok(await store.getSession(`t${i}`), `session ${i}`)
                assert.ok(await store.takeJoinSession(`jt${i}`), `join ${i}`)
            }
            assert.equal((await store.listChatMessages('r', { limit: 1000 })).length, n)
        })

        withStore('one failing write fails its caller only', async (store) => {
            await store.insertSession({ tokenHash: 'dup', userId: 'u', createdAt: T0, expiresAt: T0 + 1 })
            const [bad, good] = await Promise.allSettled([
                store.insertSession({ tokenHash: 'dup', userId: 'u', createdAt: T0, expiresAt: T0 + 1 }),
                store.recordSignIn({
                    nonce: nonce('ok'),
                    user: user('ok'),
                    session: { tokenHash: 'fine', userId: 'ok', createdAt: T0, expiresAt: T0 + 1 },
                }),
            ])
            assert.equal(bad.status, 'rejected')
            assert.deepEqual(good, { status: 'fulfilled', value: true })
            assert.ok(await store.getSession('fine'))
        })
    })
}
