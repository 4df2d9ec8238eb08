// Rooms through the API: create (seen and joined by Sonolus players), search with cursor pages, details
// (live players, master and lead, API members, capacity), leave, and who may see a private room.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { connect, joinPlayer, startMultiplayerServer, type MultiplayerServer } from '../helpers/multiplayer.js'
import { join, makeProfile, signedAuthenticate, type SignedIn } from '../helpers/sonolus.js'

describe('rooms API', () => {
    let server: MultiplayerServer
    let alice: SignedIn
    before(async () => {
        server = await startMultiplayerServer({ roomCreatesPerMinute: 100, maxRoomsPerPlayer: 20 })
        alice = await signedAuthenticate(server, makeProfile('Alice'))
    })
    after(() => server.close())

    const api = (method: string, path: string, token: string | undefined, body?: unknown, query?: Record<string, string | number | boolean>) =>
        server.request(method, `/api${path}`, { headers: token ? { authorization: token } : {}, body, query })

    test('POST /api/rooms creates a room Sonolus players list, join and play in', async () => {
        const res = await api('POST', '/rooms', alice.session, {
            name: 'friday-night',
            title: 'Friday',
            max_players: 4,
            scoring: 'accuracy',
            teams: 2,
        })
        assert.equal(res.status, 201)
        assert.equal(res.body.room_name, 'friday-night')
        assert.equal(res.body.title, 'Friday')
        assert.equal(res.body.scoring, 'accuracy')
        assert.equal(res.body.teams, 2)
        assert.deepEqual(res.body.capacity, { max_players: 4, players: 0, free_seats: 4 })
        assert.deepEqual(res.body.creator, { id: alice.profile.id, name: 'Alice' })
        assert.deepEqual(
            res.body.members.map((m: { id: string }) => m.id),
            [alice.profile.id],
            'the creator is a member',
        )
        assert.equal(res.body.private, false)

        // A Sonolus player finds it in the room list and joins it like any other room.
        const bob = await signedAuthenticate(server, makeProfile('Bob'))
        const list = await server.request('GET', '/sonolus/rooms/list', { headers: { 'sonolus-session': bob.session } })
        assert.ok(list.body.items.some((i: { name: string; title: string }) => i.name === 'friday-night' && i.title === 'Friday'))
        const answer = await join(server, 'friday-night', bob.profile, { session: bob.session })
        const client = await connect(server, 'friday-night', answer, bob.profile)
        await client.nextOf('update')
        assert.equal(client.model.view?.title, 'Friday')

        const details = await api('GET', '/rooms/friday-night', alice.session)
        assert.equal(details.status, 200)
        assert.deepEqual(details.body.players, [{ id: bob.profile.id, handle: bob.profile.handle, name: 'Bob' }])
        assert.deepEqual(details.body.capacity, { max_players: 4, players: 1, free_seats: 3 })
        assert.equal(details.body.status, 'selecting')
        // The creator is not in the game: the longest-present player leads.
        assert.equal(details.body.master?.id, bob.profile.id)
        assert.equal(details.body.lead?.id, bob.profile.id)
        await client.close()

        // A generated name when none is chosen; defaults from the create form.
        const generated = await api('POST', '/rooms', alice.session, {})
        assert.equal(generated.status, 201)
        assert.match(generated.body.room_name, /^[a-z2-9]{8}$/)
        assert.equal(generated.body.title, "Alice's room")
        assert.equal(generated.body.capacity.max_players, server.config.defaultMaxPlayers)
    })

    test('POST /api/rooms refusals name the field; 409 for a taken name; 429 past the creation limit', async () => {
        const cases: [unknown, RegExp][] = [
            [{ name: 'Bad Name' }, /body\.name/],
            [{ name: 'ab' }, /body\.name/],
            [{ title: 'x'.repeat(51) }, /^invalid body\.title$/],
            [{ max_players: 1 }, /body\.max_players/],
            [{ max_players: server.config.maxPlayersLimit + 1 }, /body\.max_players/],
            [{ scoring: 'speed' }, /body\.scoring/],
            [{ teams: 5 }, /body\.teams/],
            [{ password: 'p'.repeat(65) }, /^invalid body\.password$/],
            [{ allow_other_servers: 'maybe' }, /body\.allow_other_servers/],
        ]
        for (const [body, error] of cases) {
            const res = await api('POST', '/rooms', alice.session, body)
            assert.equal(res.status, 400, JSON.stringify(body))
            assert.match(res.body.error, error, JSON.stringify(body))
        }
        assert.equal((await api('POST', '/rooms', alice.session, { name: 'taken-name' })).status, 201)
        const taken = await api('POST', '/rooms', alice.session, { name: 'taken-name' })
        assert.deepEqual([taken.status, taken.body], [409, { error: 'room name taken' }])
        assert.equal((await api('POST', '/rooms', undefined, {})).status, 401)

        const limited = await startMultiplayerServer({ roomCreatesPerMinute: 2 })
        try {
            const carol = await signedAuthenticate(limited, makeProfile('Carol'))
            const create = (body: unknown) => limited.request('POST', '/api/rooms', { headers: { authorization: carol.session }, body })
            assert.equal((await create({})).status, 201)
            assert.equal((await create({ name: 'carols-room' })).status, 201)
            const third = await create({})
            assert.equal(third.status, 429)
            assert.ok(Number(third.headers.get('retry-after')) > 0)
            assert.equal((await create({ name: 'another-one' })).status, 429)
        } finally {
            await limited.close()
        }
    })

    test('POST /api/rooms holds the caps on open rooms: 403 past the player cap, 503 past the server cap', async () => {
        const capped = await startMultiplayerServer({ maxRoomsPerPlayer: 2, maxRooms: 3 })
        try {
            const call = async (session: string, body: object) => {
                const res = await fetch(`${capped.base}/api/rooms`, {
                    method: 'POST',
                    headers: { authorization: session, 'content-type': 'application/json' },
                    body: JSON.stringify(body),
                })
                return { status: res.status, body: await res.json() }
            }
            const erin = await signedAuthenticate(capped, makeProfile('Erin'))
            assert.equal((await call(erin.session, {})).status, 201)
            assert.equal((await call(erin.session, { name: 'erins-second' })).status, 201)
            assert.deepEqual(await call(erin.session, {}), {
                status: 403,
                body: { error: 'too many open rooms: leave one empty until it closes, then create another' },
            })
            const fred = await signedAuthenticate(capped, makeProfile('Fred'))
            assert.equal((await call(fred.session, {})).status, 201)
            assert.deepEqual(await call(fred.session, { name: 'freds-second' }), {
                status: 503,
                body: { error: 'the server has too many open rooms, try again later' },
            })
            assert.equal((await fetch(`${capped.base}/api/rooms/freds-second`, { headers: { authorization: fred.session } })).status, 404)
        } finally {
            await capped.close()
        }
    })

    test('GET /api/rooms: keywords, status, free seats, visibility and cursor pages without repeats', async () => {
        const dave = await signedAuthenticate(server, makeProfile('Dave'))
        const names: string[] = []
        for (let i = 0; i < 5; i++) {
            const res = await api('POST', '/rooms', dave.session, { title: `Paging test ${i}`, max_players: 2 })
            names.push(res.body.room_name)
        }
        const hidden = await api('POST', '/rooms', dave.session, { title: 'Paging test hidden', password: 'pw' })

        const seen: string[] = []
        let cursor: string | null = null
        let pages = 0
        do {
            const query: Record<string, string | number> = { keywords: 'paging test', limit: 2 }
            if (cursor) query.cursor = cursor
            const page: { status: number; body: any } = await api('GET', '/rooms', undefined, undefined, query)
            assert.equal(page.status, 200)
            seen.push(...page.body.rooms.map((r: { room_name: string }) => r.room_name))
            cursor = page.body.next_cursor
            pages++
        } while (cursor)
        assert.equal(pages, 3)
        assert.deepEqual(seen, [...names].reverse(), 'newest first, each once; the private room hidden from anonymous callers')

        // The creator sees their private room.
        const own = await api('GET', '/rooms', dave.session, undefined, { keywords: 'paging test hidden' })
        assert.deepEqual(
            own.body.rooms.map((r: { room_name: string; private: boolean }) => [r.room_name, r.private]),
            [[hidden.body.room_name, true]],
        )

        // Status and free seats come from the live room.
        const full = names[0]!
        const p1 = await joinPlayer(server, full, 'P1')
        const p2 = await joinPlayer(server, full, 'P2')
        const free = await api('GET', '/rooms', undefined, undefined, { keywords: 'paging test', free_seats: true, limit: 100 })
        assert.ok(!free.body.rooms.some((r: { room_name: string }) => r.room_name === full))
        const all = await api('GET', '/rooms', undefined, undefined, { keywords: 'paging test', limit: 100 })
        const entry = all.body.rooms.find((r: { room_name: string }) => r.room_name === full)
        assert.deepEqual([entry.players, entry.free_seats, entry.status], [2, 0, 'selecting'])
        const playing = await api('GET', '/rooms', undefined, undefined, { keywords: 'paging test', status: 'playing' })
        assert.deepEqual(playing.body.rooms, [])
        await p1.client.close()
        await p2.client.close()

        for (const query of [{ cursor: 'abc' }, { limit: 0 }, { status: 'lost' }] as Record<string, string | number>[]) {
            const bad = await api('GET', '/rooms', undefined, undefined, query)
            assert.equal(bad.status, 400, JSON.stringify(query))
            assert.match(bad.body.error, new RegExp(`querystring\\.${Object.keys(query)[0]}`))
        }
    })

    test('GET /api/rooms/{name}: private rooms 404 until unlocked; members with joined_at; leave_room', async () => {
        const owner = await signedAuthenticate(server, makeProfile('Owner'))
        const created = await api('POST', '/rooms', owner.session, { name: 'hideout', password: 'open sesame' })
        assert.equal(created.body.private, true)
        const erin = await signedAuthenticate(server, makeProfile('Erin'))
        const hidden = await api('GET', '/rooms/hideout', erin.session)
        assert.deepEqual([hidden.status, hidden.body], [404, { error: 'room not found' }])
        assert.deepEqual((await api('GET', '/rooms/nowhere', erin.session)).body, { error: 'room not found' })
        const stranger = await api('POST', '/leave_room', erin.session, { name: 'hideout' })
        assert.deepEqual([stranger.status, stranger.body], [404, { error: 'room not found' }])

        const joined = await api('POST', '/join_room', erin.session, { name: 'hideout', password: 'open sesame' })
        assert.equal(joined.status, 200)
        const seen = await api('GET', '/rooms/hideout', erin.session)
        assert.equal(seen.status, 200)
        assert.deepEqual(
            seen.body.members.map((m: { id: string; name: string; joined_at: number }) => [m.id, m.name, typeof m.joined_at]),
            [
                [owner.profile.id, 'Owner', 'number'],
                [erin.profile.id, 'Erin', 'number'],
            ],
        )
        assert.deepEqual(seen.body.players, [])
        assert.equal(seen.body.master, null)

        const left = await api('POST', '/leave_room', erin.session, { name: 'hideout' })
        assert.deepEqual(
            [left.status, left.body],
            [200, { message: `${erin.profile.handle} left room "hideout"`, room_id: created.body.room_id, room_name: 'hideout' }],
        )
        // Still unlocked in the app (the password was right), but no longer a member.
        const again = await api('POST', '/leave_room', erin.session, { name: 'hideout' })
        assert.deepEqual([again.status, again.body], [404, { error: 'not a member of this room' }])
        const missing = await api('POST', '/leave_room', erin.session, {})
        assert.deepEqual([missing.status, missing.body], [400, { error: 'missing room name' }])
        assert.equal((await api('GET', '/rooms/hideout', undefined)).status, 401)
    })
})
