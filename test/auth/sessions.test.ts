// Sonolus-Session on endpoints, session expiry, single-use join sessions, and what survives a restart.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { t } from '../../src/i18n.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { authenticateBody, createAndJoin, makeProfile, postSigned, sign, signedAuthenticate } from '../helpers/sonolus.js'

describe('Sonolus-Session', () => {
    let server: TestServer
    before(async () => {
        server = await startTestServer()
    })
    after(() => server.close())

    const create = (session?: string) =>
        server.request('POST', '/sonolus/rooms/create', { headers: session ? { 'sonolus-session': session } : {}, body: {} })

    test('a fresh session opens an endpoint that needs sign-in', async () => {
        const { session } = await signedAuthenticate(server)
        const res = await create(session)
        assert.equal(res.status, 200, res.text)
    })

    test('missing session where sign-in is required → 401', async () => {
        const res = await create()
        assert.equal(res.status, 401)
        assert.equal(res.body.message, t('en', 'sessionRequired'))
    })

    test('missing session where sign-in is optional is fine', async () => {
        assert.equal((await server.request('GET', '/sonolus/info')).status, 200)
        assert.equal((await server.request('GET', '/sonolus/rooms/info')).status, 200)
        assert.equal((await server.request('GET', '/sonolus/rooms/list')).status, 200)
    })

    test('unknown session → 401, on required and optional endpoints alike', async () => {
        const headers = { 'sonolus-session': 'A'.repeat(43) }
        const res = await create('A'.repeat(43))
        assert.equal(res.status, 401)
        assert.equal(res.body.message, t('en', 'sessionExpired'))
        assert.equal((await server.request('GET', '/sonolus/info', { headers })).status, 401)
        assert.equal((await server.request('GET', '/sonolus/rooms/list', { headers })).status, 401)
    })

    test('sessions expire: after expiration the same session gets 401', async () => {
        const { session, expiration } = await signedAuthenticate(server)
        assert.equal((await create(session)).status, 200)
        server.clock.advance(expiration - server.clock.now() + 1)
        const res = await create(session)
        assert.equal(res.status, 401)
        assert.equal(res.body.message, t('en', 'sessionExpired'))
        assert.equal((await server.request('GET', '/sonolus/rooms/info', { headers: { 'sonolus-session': session } })).status, 401)
    })

    test('session tokens are stored hashed, never as issued', async () => {
        const { session } = await signedAuthenticate(server)
        assert.equal(await server.app.store.getSession(session), undefined)
    })
})

describe('join sessions', () => {
    let server: TestServer
    before(async () => {
        server = await startTestServer()
    })
    after(() => server.close())

    test('the join answer session is consumed once, with the ticket the WebSocket layer needs', async () => {
        const room = await createAndJoin(server)
        const ticket = await server.app.joinSessions.consume(room.answer.session)
        assert.ok(ticket)
        assert.equal(ticket.roomName, room.name)
        assert.equal(ticket.userId, room.profile.id)
        assert.deepEqual(ticket.profile, { id: room.profile.id, handle: room.profile.handle, name: room.profile.name })
        assert.equal(ticket.createdRoom, true)
        assert.equal(ticket.locale, 'en')
        const body = JSON.parse(Buffer.from(ticket.authentication, 'base64').toString('utf8'))
        assert.equal(body.type, 'authenticateMultiplayer')
        assert.equal(body.room, room.name)
        assert.ok(ticket.signature.length > 0)
        assert.equal(await server.app.joinSessions.consume(room.answer.session), null, 'second use')
    })

    test('an expired join session is refused', async () => {
        const token = await server.app.joinSessions.issue({
            roomName: 'r',
            userId: 'u',
            profile: { id: 'u', handle: '1', name: 'U' },
            authentication: '',
            signature: '',
            locale: 'en',
            createdRoom: false,
        })
        assert.equal(await server.app.joinSessions.consume(token, server.clock.now() + server.config.joinSessionTtlMs + 1), null)
    })

    test('unknown or malformed join sessions are refused', async () => {
        assert.equal(await server.app.joinSessions.consume('nope'), null)
        assert.equal(await server.app.joinSessions.consume('B'.repeat(43)), null)
    })
})

describe('across a restart (same data directory)', () => {
    let dataDir: string
    before(async () => {
        dataDir = await mkdtemp(join(tmpdir(), 'ensemble-restart-'))
    })
    after(() => rm(dataDir, { recursive: true, force: true }))

    test('sessions, join sessions and the replay guard survive', async () => {
        const first = await startTestServer({ dataDir })
        const body = authenticateBody(first, makeProfile())
        const signature = sign(body)
        assert.equal((await postSigned(first, '/sonolus/authenticate', body, { signature })).status, 200)
        const { session } = await signedAuthenticate(first)
        const room = await createAndJoin(first)
        await first.close()

        const second = await startTestServer({ dataDir, config: { address: first.config.address } })
        try {
            assert.equal((await postSigned(second, '/sonolus/authenticate', body, { signature })).status, 401, 'replay after restart')
            const res = await second.request('POST', '/sonolus/rooms/create', { headers: { 'sonolus-session': session }, body: {} })
            assert.equal(res.status, 200, 'session after restart')
            assert.equal((await second.app.joinSessions.consume(room.answer.session))?.roomName, room.name)
        } finally {
            await second.close()
        }
    })
})
