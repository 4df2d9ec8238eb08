// The join path's cache (src/rooms/join-cache.ts): answers reused for at most the TTL, dropped at once on
// a change made through the directory (close, ban, password), never a missing room or a missing unlock;
// a change written straight to the store (as another node would) shows once the TTL has passed.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { JoinCache } from '../../src/rooms/join-cache.js'
import { scryptHasher } from '../../src/rooms/passwords.js'
import type { RoomRecord } from '../../src/store/store.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { createAndJoin, joinRoom, makeProfile } from '../helpers/sonolus.js'

const record = (name: string, closedAt: number | null = null) => ({ name, closedAt, maxPlayers: 8, passwordHash: null }) as unknown as RoomRecord

/** A load that counts its calls and answers what `value()` says at the time. */
function counted<T>(value: () => T) {
    const load = async () => {
        load.calls++
        return value()
    }
    load.calls = 0
    return load
}

describe('join cache', () => {
    test('an open room is reused within the TTL and read again after it', async () => {
        const cache = new JoinCache({ ttlMs: 1000 })
        const load = counted(() => record('a'))
        await cache.room('a', 0, load)
        await cache.room('a', 999, load)
        assert.equal(load.calls, 1)
        await cache.room('a', 1000, load)
        assert.equal(load.calls, 2)
        // A clock that went back does not make an entry live longer.
        await cache.room('a', -5000, load)
        assert.equal(load.calls, 3)
    })

    test('a missing or closed room is never cached', async () => {
        const cache = new JoinCache({ ttlMs: 1000 })
        let room: RoomRecord | undefined
        const load = counted(() => room)
        assert.equal(await cache.room('a', 0, load), undefined)
        room = record('a', 5)
        assert.equal((await cache.room('a', 1, load))?.closedAt, 5)
        room = record('a')
        assert.equal((await cache.room('a', 2, load))?.closedAt, null, 'the room that appeared is seen at once')
        assert.equal(load.calls, 3)
    })

    test("a room's bans answer for every player; forgetBans and forgetRoom drop them", async () => {
        const cache = new JoinCache({ ttlMs: 1000 })
        let bans = new Map([['u', 500]])
        const load = counted(() => bans)
        assert.equal(await cache.isBanned('r', 'u', 0, load), true)
        assert.equal(await cache.isBanned('r', 'v', 1, load), false)
        assert.equal(await cache.isBanned('r', 'u', 500, load), false, 'a ban ends at its until, cached or not')
        assert.equal(load.calls, 1)
        bans = new Map([['v', 900]])
        cache.forgetBans('r')
        assert.equal(await cache.isBanned('r', 'v', 600, load), true)
        bans = new Map()
        cache.forgetRoom('r')
        assert.equal(await cache.isBanned('r', 'v', 601, load), false)
        assert.equal(load.calls, 3)
    })

    test('an unlock is cached, a missing unlock is not', async () => {
        const cache = new JoinCache({ ttlMs: 1000 })
        let unlocked = false
        const load = counted(() => unlocked)
        assert.equal(await cache.isUnlocked('r', 'u', 0, load), false)
        unlocked = true
        assert.equal(await cache.isUnlocked('r', 'u', 1, load), true, 'an unlock made elsewhere counts at once')
        assert.equal(await cache.isUnlocked('r', 'u', 2, load), true)
        assert.equal(load.calls, 2)
        cache.forgetRoom('r')
        unlocked = false
        assert.equal(await cache.isUnlocked('r', 'u', 3, load), false)
    })

    test('a read in flight across an invalidation is answered but not kept', async () => {
        const cache = new JoinCache({ ttlMs: 1000 })
        let release!: () => void
        const slow = new Promise<void>((r) => (release = r))
        const pending = cache.room('a', 0, async () => {
            await slow
            return record('a')
        })
        cache.forgetRoom('a')
        release()
        assert.ok(await pending)
        const load = counted(() => record('a', 7))
        assert.equal((await cache.room('a', 1, load))?.closedAt, 7)
        assert.equal(load.calls, 1)
    })

    test('a TTL of 0 caches nothing; entries are bounded; sweep drops expired ones', async () => {
        const off = new JoinCache({ ttlMs: 0 })
        const load = counted(() => record('a'))
        await off.room('a', 0, load)
        await off.room('a', 0, load)
        assert.equal(load.calls, 2)

        const small = new JoinCache({ ttlMs: 1000, maxEntries: 2 })
        const loads = ['a', 'b', 'c'].map((name) => counted(() => record(name)))
        for (const [i, name] of ['a', 'b', 'c'].entries()) await small.room(name, 0, loads[i]!)
        await small.room('a', 1, loads[0]!)
        assert.equal(loads[0]!.calls, 2, 'the oldest entry was dropped for the third')
        await small.room('c', 1, loads[2]!)
        assert.equal(loads[2]!.calls, 1)
        small.sweep(1000)
        await small.room('c', 1, loads[2]!)
        assert.equal(loads[2]!.calls, 2)
    })
})

describe('joins see changes (real server)', () => {
    let server: TestServer
    before(async () => (server = await startTestServer()))
    after(() => server.close())

    const status = async (name: string, who: string) => (await joinRoom(server, name, makeProfile(who))).status

    test('a room closed here refuses the next join at once', async () => {
        const { name } = await createAndJoin(server)
        assert.equal(await status(name, 'First'), 200)
        await server.app.directory.close(name, server.clock.now())
        assert.equal(await status(name, 'Second'), 404)
    })

    test('a password set here locks the room for the next stranger at once', async () => {
        const { name } = await createAndJoin(server)
        assert.equal(await status(name, 'Early'), 200)
        await server.app.directory.update(name, { passwordHash: await scryptHasher(1024).hash('secret') })
        assert.equal(await status(name, 'Late'), 403)
    })

    test('a ban made here refuses the banned player at once', async () => {
        const { name } = await createAndJoin(server)
        const banned = makeProfile('Banned')
        assert.equal(await status(name, 'Warm'), 200)
        await server.app.directory.ban(name, banned.id, server.clock.now() + 60_000)
        assert.equal((await joinRoom(server, name, banned)).status, 403)
    })

    test('a ban or a close written elsewhere (straight to the store) counts once the TTL has passed', async () => {
        const { name } = await createAndJoin(server)
        const banned = makeProfile('Banned elsewhere')
        assert.equal(await status(name, 'Warm'), 200)
        await server.app.store.addRoomBan(name, banned.id, server.clock.now() + 60_000)
        server.clock.advance(1001)
        assert.equal((await joinRoom(server, name, banned)).status, 403)
        assert.equal(await status(name, 'Still welcome'), 200)
        await server.app.store.updateRoom(name, { closedAt: server.clock.now() })
        server.clock.advance(1001)
        assert.equal(await status(name, 'Too late'), 404)
    })

    test('an unlock written elsewhere lets the player in at once (a refusal is not cached)', async () => {
        const { name } = await createAndJoin(server, { params: { password: 'secret' } })
        const guest = makeProfile('Guest')
        assert.equal((await joinRoom(server, name, guest)).status, 403)
        await server.app.store.addRoomUnlock(name, guest.id, server.clock.now() + 60_000)
        assert.equal((await joinRoom(server, name, guest)).status, 200)
    })
})
