// POST /sonolus/rooms/create and POST /sonolus/rooms/{name}: reservation, creation with the key,
// the join answer, and every refusal the custom-server endpoints define.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { t, type MessageKey } from '../../src/i18n.js'
import { multiplayerUrl } from '../../src/urls.js'
import type { LiveRoomInfo, LiveRoomSource } from '../../src/rooms/live-info.js'
import { startTestServer, type TestResponse, type TestServer } from '../helpers/server.js'
import { createAndJoin, createRoom, joinBody, joinRoom, makeProfile, otherKeys, postSigned, sign, signedAuthenticate } from '../helpers/sonolus.js'

/** A LiveRoomSource the tests fill in by hand. */
class FakeLive implements LiveRoomSource {
    rooms = new Map<string, LiveRoomInfo & { members: string[] }>()
    info(name: string) {
        return this.rooms.get(name)
    }
    entries() {
        return this.rooms.entries()
    }
    isMember(name: string, userId: string) {
        return this.rooms.get(name)?.members.includes(userId) ?? false
    }
    isBanned() {
        return false
    }
}

const refused = (res: TestResponse, status: number, key: MessageKey) => {
    assert.equal(res.status, status, res.text)
    assert.equal(res.body?.message, t('en', key))
}

describe('rooms: create and join', () => {
    let server: TestServer
    const live = new FakeLive()
    before(async () => {
        // Caps on open rooms have their own tests (rooms-caps.test.ts); here they stay out of the way.
        server = await startTestServer({ liveRooms: live, config: { maxRoomsPerPlayer: 1000 } })
    })
    after(() => server.close())

    test('create reserves a name and a key for a signed-in player', async () => {
        const { session } = await signedAuthenticate(server)
        const a = await createRoom(server, session)
        const b = await createRoom(server, session)
        assert.match(a.name, /^[a-z0-9]{8}$/)
        assert.ok(a.key.length >= 32)
        assert.notEqual(a.name, b.name)
    })

    test('create accepts an empty request; creating too fast → 429', async () => {
        const { session } = await signedAuthenticate(server)
        const headers = { 'sonolus-session': session }
        assert.equal((await server.request('POST', '/sonolus/rooms/create', { headers })).status, 200, 'no body')
        let res
        for (let i = 1; i < server.config.roomCreatesPerMinute; i++) {
            res = await server.request('POST', '/sonolus/rooms/create', { headers, body: {} })
            assert.equal(res.status, 200)
        }
        res = await server.request('POST', '/sonolus/rooms/create', { headers, body: {} })
        refused(res, 429, 'tooManyRooms')
        server.clock.advance(60_001)
        assert.equal((await server.request('POST', '/sonolus/rooms/create', { headers, body: {} })).status, 200)
    })

    test('create → join with the key applies the create parameters', async () => {
        const room = await createAndJoin(server, {
            params: { title: 'Friday night', password: 'hunter2', maxPlayers: 8, scoring: 'accuracy', teams: '2', allowOtherServers: 0 },
        })
        assert.equal(room.answer.type, 'round')
        assert.equal(room.answer.url, multiplayerUrl(server.config.address, room.name))
        assert.match(room.answer.url, new RegExp(`^ws://127\\.0\\.0\\.1:\\d+/multiplayer/rooms/${room.name}$`))
        assert.ok(room.answer.session.length >= 32)
        const record = await server.app.store.getRoom(room.name)
        assert.ok(record)
        assert.equal(record.title, 'Friday night')
        assert.equal(record.maxPlayers, 8)
        assert.equal(record.scoring, 'accuracy')
        assert.equal(record.teams, 2)
        assert.equal(record.allowOtherServers, false)
        assert.equal(record.creatorId, room.profile.id)
        assert.equal(record.optionValues, 'type=room&scoring=accuracy&teams=2')
        assert.ok(record.passwordHash?.startsWith('scrypt$'))
        assert.doesNotMatch(record.passwordHash ?? '', /hunter2/)
    })

    test('defaults: a localized title from the creator name, public, 16 players, other servers allowed', async () => {
        const room = await createAndJoin(server, { profile: makeProfile('ミク'), params: { localization: 'ja' } })
        const record = await server.app.store.getRoom(room.name)
        assert.equal(record?.title, 'ミクのルーム')
        assert.equal(record?.passwordHash, null)
        assert.equal(record?.maxPlayers, server.config.defaultMaxPlayers)
        assert.equal(record?.allowOtherServers, true)
        assert.equal(record?.scoring, 'arcade')
        assert.equal(record?.teams, 0)
    })

    test('an out-of-range create parameter → 400 naming it', async () => {
        const { session, profile } = await signedAuthenticate(server)
        const { name, key } = await createRoom(server, session)
        const res = await joinRoom(server, name, profile, { session, key, query: { maxPlayers: server.config.maxPlayersLimit + 1 } })
        assert.equal(res.status, 400)
        assert.equal(res.body.message, t('en', 'invalidParameter', { name: 'maxPlayers' }))
    })

    test('the key is single use: joining again with it does not reconfigure the room', async () => {
        const room = await createAndJoin(server, { params: { title: 'First' } })
        const res = await joinRoom(server, room.name, room.profile, { session: room.session, key: room.key, query: { title: 'Second' } })
        assert.equal(res.status, 200, res.text)
        assert.equal((await server.app.store.getRoom(room.name))?.title, 'First')
    })

    test('another player joins a created room', async () => {
        const room = await createAndJoin(server)
        const res = await joinRoom(server, room.name, makeProfile('Guest'))
        assert.equal(res.status, 200, res.text)
        const ticket = await server.app.joinSessions.consume(res.body.session)
        assert.equal(ticket?.createdRoom, false)
    })

    test('a reserved room joined without the key → 404 (for the creator too)', async () => {
        const { session, profile } = await signedAuthenticate(server)
        const { name } = await createRoom(server, session)
        refused(await joinRoom(server, name, makeProfile()), 404, 'roomNotFound')
        refused(await joinRoom(server, name, profile, { session }), 404, 'roomNotFound')
    })

    test('a reserved room joined by another player with the stolen key → 404', async () => {
        const { session } = await signedAuthenticate(server)
        const { name, key } = await createRoom(server, session)
        refused(await joinRoom(server, name, makeProfile('Thief'), { key }), 404, 'roomNotFound')
    })

    test('a wrong key → 404', async () => {
        const { session, profile } = await signedAuthenticate(server)
        const { name } = await createRoom(server, session)
        refused(await joinRoom(server, name, profile, { session, key: 'x'.repeat(43) }), 404, 'roomNotFound')
    })

    test('a lapsed reservation → 404', async () => {
        const { session, profile } = await signedAuthenticate(server)
        const { name, key } = await createRoom(server, session)
        server.clock.advance(server.config.reservationTtlMs + 1)
        const fresh = await signedAuthenticate(server, profile)
        refused(await joinRoom(server, name, profile, { session: fresh.session, key }), 404, 'roomNotFound')
    })

    test('a room that does not exist → 404', async () => {
        refused(await joinRoom(server, 'nosuchroom', makeProfile()), 404, 'roomNotFound')
    })

    test('a closed room → 404', async () => {
        const room = await createAndJoin(server)
        await server.app.directory.close(room.name, server.clock.now())
        refused(await joinRoom(server, room.name, makeProfile()), 404, 'roomNotFound')
    })

    test('signed for another room → 401', async () => {
        const a = await createAndJoin(server)
        const b = await createAndJoin(server)
        const body = joinBody(server, b.name, makeProfile())
        refused(await postSigned(server, `/sonolus/rooms/${a.name}`, body), 401, 'roomInvalid')
    })

    test('signed for another address → 401', async () => {
        const room = await createAndJoin(server)
        const body = joinBody(server, room.name, makeProfile(), { address: 'https://elsewhere.example' })
        refused(await postSigned(server, `/sonolus/rooms/${room.name}`, body), 401, 'addressInvalid')
    })

    test('an authenticateServer body used to join → 401', async () => {
        const room = await createAndJoin(server)
        const body = joinBody(server, room.name, makeProfile(), { type: 'authenticateServer' })
        refused(await postSigned(server, `/sonolus/rooms/${room.name}`, body), 401, 'typeInvalid')
    })

    test('stale and far-future join bodies → 401', async () => {
        const room = await createAndJoin(server)
        const stale = joinBody(server, room.name, makeProfile(), { time: server.clock.now() - server.config.timeWindowMs - 1 })
        refused(await postSigned(server, `/sonolus/rooms/${room.name}`, stale), 401, 'timeStale')
        const future = joinBody(server, room.name, makeProfile(), { time: server.clock.now() + 10 * 60_000 })
        refused(await postSigned(server, `/sonolus/rooms/${room.name}`, future), 401, 'timeFuture')
    })

    test('bad signature, other key, missing signature → 401', async () => {
        const room = await createAndJoin(server)
        const body = joinBody(server, room.name, makeProfile())
        refused(await postSigned(server, `/sonolus/rooms/${room.name}`, body, { signature: null }), 401, 'signatureMissing')
        refused(
            await postSigned(server, `/sonolus/rooms/${room.name}`, body, { signature: sign(body, otherKeys().privateKey) }),
            401,
            'signatureInvalid',
        )
        refused(
            await postSigned(server, `/sonolus/rooms/${room.name}`, body.replace('"room"', '"room" '), { signature: sign(body) }),
            401,
            'signatureInvalid',
        )
    })

    test('a replayed join body → 401', async () => {
        const room = await createAndJoin(server)
        const body = joinBody(server, room.name, makeProfile())
        const signature = sign(body)
        assert.equal((await postSigned(server, `/sonolus/rooms/${room.name}`, body, { signature })).status, 200)
        refused(await postSigned(server, `/sonolus/rooms/${room.name}`, body, { signature }), 401, 'replayed')
    })

    test('a session of another user than the signed profile → 401', async () => {
        const room = await createAndJoin(server)
        const other = await signedAuthenticate(server)
        refused(await joinRoom(server, room.name, makeProfile(), { session: other.session }), 401, 'sessionMismatch')
    })

    test('malformed JSON → 400, huge body → 413', async () => {
        const room = await createAndJoin(server)
        const bad = '{"type":'
        refused(await postSigned(server, `/sonolus/rooms/${room.name}`, bad), 400, 'malformedJson')
        const huge = joinBody(server, room.name, makeProfile('x', { aboutMe: 'y'.repeat(server.config.bodyLimit) }))
        refused(await postSigned(server, `/sonolus/rooms/${room.name}`, huge), 413, 'bodyTooLarge')
    })

    test('a full room refuses a newcomer (409) but keeps the seat of a member', async () => {
        const room = await createAndJoin(server, { params: { maxPlayers: 2 } })
        const member = makeProfile('Member')
        live.rooms.set(room.name, {
            playerCount: 2,
            maxPlayers: 2,
            status: 'selecting',
            level: null,
            title: 'x',
            members: [room.profile.id, member.id],
        })
        refused(await joinRoom(server, room.name, makeProfile('Late')), 409, 'roomFull')
        assert.equal((await joinRoom(server, room.name, member)).status, 200)
        live.rooms.delete(room.name)
    })

    test('a banned player → 403 until the ban ends', async () => {
        const room = await createAndJoin(server)
        const kicked = makeProfile('Kicked')
        await server.app.directory.ban(room.name, kicked.id, server.clock.now() + 60_000)
        refused(await joinRoom(server, room.name, kicked), 403, 'roomBanned')
        server.clock.advance(60_001)
        assert.equal((await joinRoom(server, room.name, kicked)).status, 200)
    })
})

describe('rooms behind a reverse proxy at a sub-path', () => {
    test('ENSEMBLE_BASE_PATH serves under the prefix; the join url is built from ENSEMBLE_ADDRESS', async () => {
        const server = await startTestServer({ config: { basePath: '/ensemble' } })
        try {
            assert.equal((await server.request('GET', '/sonolus/info')).status, 200)
            assert.equal((await fetch(`${server.origin}/sonolus/info`)).status, 404)
            assert.equal((await fetch(`${server.origin}/ensemble/healthz`)).status, 200)
            server.config.address = 'https://example.com/ensemble'
            const room = await createAndJoin(server)
            assert.equal(room.answer.url, `wss://example.com/ensemble/multiplayer/rooms/${room.name}`)
        } finally {
            await server.close()
        }
    })
})
