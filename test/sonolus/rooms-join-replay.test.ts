// POST /sonolus/rooms/{name}: a correctly signed join body is spent whatever the answer, so the same bytes
// sent again are refused as replayed (401), even when the first answer was a refusal. A body refused
// before its signature checked out is not spent.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { t, type MessageKey } from '../../src/i18n.js'
import { startTestServer, type TestResponse, type TestServer } from '../helpers/server.js'
import { createAndJoin, createRoom, joinBody, makeProfile, otherKeys, postSigned, sign, signedAuthenticate } from '../helpers/sonolus.js'

const refused = (res: TestResponse, status: number, key: MessageKey) => {
    assert.equal(res.status, status, res.text)
    assert.equal(res.body?.message, t('en', key))
}

describe('rooms: a signed join body is spent whatever the answer', () => {
    let server: TestServer
    before(async () => {
        server = await startTestServer()
    })
    after(() => server.close())

    /** Sends the same signed bytes twice: the first answer as given, the second replayed. */
    const twice = async (
        name: string,
        body: string,
        first: [number, MessageKey],
        headers: Record<string, string> = {},
        query?: Record<string, string | number>,
    ) => {
        const signature = sign(body)
        const path = `/sonolus/rooms/${encodeURIComponent(name)}`
        refused(await postSigned(server, path, body, { signature, headers, query }), ...first)
        refused(await postSigned(server, path, body, { signature, headers, query }), 401, 'replayed')
    }

    test('room not found (404), then the same bytes → 401 replayed', async () => {
        await twice('nosuchroom', joinBody(server, 'nosuchroom', makeProfile()), [404, 'roomNotFound'])
    })

    test('a closed room (404), then → 401 replayed', async () => {
        const room = await createAndJoin(server)
        await server.app.directory.close(room.name, server.clock.now())
        await twice(room.name, joinBody(server, room.name, makeProfile()), [404, 'roomNotFound'])
    })

    test('banned (403), then → 401 replayed, even once the ban is over', async () => {
        const room = await createAndJoin(server)
        const kicked = makeProfile('Kicked')
        await server.app.directory.ban(room.name, kicked.id, server.clock.now() + 60_000)
        const body = joinBody(server, room.name, kicked)
        const signature = sign(body)
        const path = `/sonolus/rooms/${room.name}`
        refused(await postSigned(server, path, body, { signature }), 403, 'roomBanned')
        server.clock.advance(60_001)
        refused(await postSigned(server, path, body, { signature }), 401, 'replayed')
    })

    test('a session of another user (401 sessionMismatch), then → 401 replayed', async () => {
        const room = await createAndJoin(server)
        const other = await signedAuthenticate(server)
        await twice(room.name, joinBody(server, room.name, makeProfile()), [401, 'sessionMismatch'], { 'sonolus-session': other.session })
    })

    test('a reserved room joined with a wrong key (404), then → 401 replayed', async () => {
        const { session, profile } = await signedAuthenticate(server)
        const { name } = await createRoom(server, session)
        await twice(name, joinBody(server, name, profile), [404, 'roomNotFound'], { 'sonolus-session': session, 'sonolus-room-key': 'x'.repeat(43) })
    })

    test('an invalid create parameter (400), then → 401 replayed; the reservation is still usable', async () => {
        const { session, profile } = await signedAuthenticate(server)
        const { name, key } = await createRoom(server, session)
        const headers = { 'sonolus-session': session, 'sonolus-room-key': key }
        const body = joinBody(server, name, profile)
        const signature = sign(body)
        const query = { maxPlayers: server.config.maxPlayersLimit + 1 }
        const first = await postSigned(server, `/sonolus/rooms/${name}`, body, { signature, headers, query })
        assert.equal(first.status, 400, first.text)
        assert.equal(first.body.message, t('en', 'invalidParameter', { name: 'maxPlayers' }))
        // The same bytes with a valid query: still the same body, spent.
        refused(await postSigned(server, `/sonolus/rooms/${name}`, body, { signature, headers }), 401, 'replayed')
        assert.equal(await server.app.store.getRoom(name), undefined, 'the replay created nothing')
        // A freshly signed body creates the room.
        server.clock.advance(1)
        const fresh = await postSigned(server, `/sonolus/rooms/${name}`, joinBody(server, name, profile), { headers })
        assert.equal(fresh.status, 200, fresh.text)
    })

    test('a successful creator join (200), then the same bytes → 401 replayed', async () => {
        const { session, profile } = await signedAuthenticate(server)
        const { name, key } = await createRoom(server, session)
        const body = joinBody(server, name, profile)
        const signature = sign(body)
        const headers = { 'sonolus-session': session, 'sonolus-room-key': key }
        assert.equal((await postSigned(server, `/sonolus/rooms/${name}`, body, { signature, headers })).status, 200)
        refused(await postSigned(server, `/sonolus/rooms/${name}`, body, { signature, headers }), 401, 'replayed')
    })

    test('a body refused for its signature is not spent: signed correctly afterwards it is answered', async () => {
        const body = joinBody(server, 'nosuchroom', makeProfile())
        const path = '/sonolus/rooms/nosuchroom'
        refused(await postSigned(server, path, body, { signature: sign(body, otherKeys().privateKey) }), 401, 'signatureInvalid')
        refused(await postSigned(server, path, body, { signature: null }), 401, 'signatureMissing')
        refused(await postSigned(server, path, body), 404, 'roomNotFound')
        refused(await postSigned(server, path, body), 401, 'replayed')
    })

    test('concurrent copies of one refused body: one real answer, the others replayed', async () => {
        const body = joinBody(server, 'nosuchroom', makeProfile())
        const signature = sign(body)
        const answers = await Promise.all(Array.from({ length: 5 }, () => postSigned(server, '/sonolus/rooms/nosuchroom', body, { signature })))
        const statuses = answers.map((a) => a.status).sort()
        assert.deepEqual(statuses, [401, 401, 401, 401, 404])
        for (const a of answers.filter((a) => a.status === 401)) assert.equal(a.body.message, t('en', 'replayed'))
    })

    test('concurrent copies of one valid body: exactly one is admitted, the others replayed', async () => {
        const room = await createAndJoin(server)
        const body = joinBody(server, room.name, makeProfile('Twin'))
        const signature = sign(body)
        const answers = await Promise.all(Array.from({ length: 5 }, () => postSigned(server, `/sonolus/rooms/${room.name}`, body, { signature })))
        assert.deepEqual(answers.map((a) => a.status).sort(), [200, 401, 401, 401, 401])
        for (const a of answers.filter((a) => a.status === 401)) assert.equal(a.body.message, t('en', 'replayed'))
        // The admitted one's join session works; no other was stored.
        const admitted = answers.find((a) => a.status === 200)!
        assert.ok(await server.app.joinSessions.consume(admitted.body.session))
    })
})
