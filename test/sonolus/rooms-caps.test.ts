// Caps on open rooms over HTTP: ENSEMBLE_MAX_ROOMS_PER_PLAYER (reservations count) and ENSEMBLE_MAX_ROOMS,
// at create and again at the creator's join with the key, answered with a localized ServerMessage.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { loadConfig } from '../../src/config.js'
import { t } from '../../src/i18n.js'
import { startTestServer, type TestResponse, type TestServer } from '../helpers/server.js'
import { createRoom, join, joinRoom, makeProfile, signedAuthenticate } from '../helpers/sonolus.js'

const create = (server: TestServer, session: string, localization = 'en') =>
    server.request('POST', '/sonolus/rooms/create', { headers: { 'sonolus-session': session }, body: {}, query: { localization } })

const refused = (res: TestResponse, status: number, message: string) => {
    assert.equal(res.status, status, res.text)
    assert.deepEqual(res.body, { message })
}

describe('room caps', () => {
    let server: TestServer
    before(async () => {
        server = await startTestServer({ config: { roomCreatesPerMinute: 1000, maxRoomsPerPlayer: 3, maxRooms: 10_000 } })
    })
    after(() => server.close())
    const perPlayer = (locale: string) => t(locale, 'roomLimitReached', { max: 3 })

    test('defaults: 3 open rooms per player, 10,000 per server; bad values stop the start', () => {
        const { config } = loadConfig({ env: {}, argv: [] })
        assert.equal(config.maxRoomsPerPlayer, 3)
        assert.equal(config.maxRooms, 10_000)
        assert.equal(loadConfig({ env: { ENSEMBLE_MAX_ROOMS_PER_PLAYER: '5', ENSEMBLE_MAX_ROOMS: '200' }, argv: [] }).config.maxRooms, 200)
        assert.throws(() => loadConfig({ env: { ENSEMBLE_MAX_ROOMS_PER_PLAYER: '0' }, argv: [] }), /ENSEMBLE_MAX_ROOMS_PER_PLAYER/)
        assert.throws(() => loadConfig({ env: { ENSEMBLE_MAX_ROOMS: 'many' }, argv: [] }), /ENSEMBLE_MAX_ROOMS/)
    })

    test("a player holds at most 3 rooms: the 4th create is refused (403) in the player's language", async () => {
        const host = await signedAuthenticate(server, makeProfile('Host'))
        for (let i = 0; i < 3; i++) {
            const { name, key } = await createRoom(server, host.session)
            await join(server, name, host.profile, { session: host.session, key })
        }
        refused(await create(server, host.session), 403, perPlayer('en'))
        refused(await create(server, host.session, 'ja'), 403, perPlayer('ja'))
        assert.match(perPlayer('ja'), /3個/)
        // Another player is not affected.
        const other = await signedAuthenticate(server, makeProfile('Other'))
        assert.equal((await create(server, other.session)).status, 200)
    })

    test('reservations count: reserving many names does not get round the cap', async () => {
        const p = await signedAuthenticate(server, makeProfile('Reserver'))
        const names = [await createRoom(server, p.session), await createRoom(server, p.session), await createRoom(server, p.session)]
        refused(await create(server, p.session), 403, perPlayer('en'))
        // Entering them turns each reservation into a room: still three in all, each allowed.
        for (const { name, key } of names) await join(server, name, p.profile, { session: p.session, key })
        refused(await create(server, p.session), 403, perPlayer('en'))
    })

    test('a lapsed reservation frees its place', async () => {
        const p = await signedAuthenticate(server, makeProfile('Slow'))
        for (let i = 0; i < 3; i++) await createRoom(server, p.session)
        refused(await create(server, p.session), 403, perPlayer('en'))
        server.clock.advance(server.config.reservationTtlMs + 1)
        const again = await signedAuthenticate(server, p.profile)
        assert.equal((await create(server, again.session)).status, 200)
    })

    test('a closed room frees its place', async () => {
        const p = await signedAuthenticate(server, makeProfile('Closer'))
        const rooms: string[] = []
        for (let i = 0; i < 3; i++) {
            const { name, key } = await createRoom(server, p.session)
            await join(server, name, p.profile, { session: p.session, key })
            rooms.push(name)
        }
        refused(await create(server, p.session), 403, perPlayer('en'))
        await server.app.directory.close(rooms[0]!, server.clock.now())
        assert.equal((await create(server, p.session)).status, 200)
    })

    test('the join that turns a reservation into a room checks the cap again (and keeps the reservation)', async () => {
        const p = await signedAuthenticate(server, makeProfile('Lowered'))
        const a = await createRoom(server, p.session)
        const b = await createRoom(server, p.session)
        server.config.maxRoomsPerPlayer = 1
        try {
            await join(server, a.name, p.profile, { session: p.session, key: a.key })
            const res = await joinRoom(server, b.name, p.profile, { session: p.session, key: b.key, query: { localization: 'ja' } })
            refused(res, 403, t('ja', 'roomLimitReached', { max: 1 }))
            assert.equal(await server.app.directory.get(b.name), undefined, 'no room was made')
            await server.app.directory.close(a.name, server.clock.now())
            await join(server, b.name, p.profile, { session: p.session, key: b.key })
        } finally {
            server.config.maxRoomsPerPlayer = 3
        }
    })

    test('concurrent creates of one player: exactly as many as the cap succeed', async () => {
        const p = await signedAuthenticate(server, makeProfile('Burst'))
        const answers = await Promise.all(Array.from({ length: 30 }, () => create(server, p.session)))
        assert.equal(answers.filter((r) => r.status === 200).length, 3)
        assert.equal(answers.filter((r) => r.status === 403).length, 27)
    })
})

describe('server cap', () => {
    let server: TestServer
    before(async () => {
        server = await startTestServer({ config: { maxRooms: 2 } })
    })
    after(() => server.close())

    test('ENSEMBLE_MAX_ROOMS open rooms: create → 503 with a localized message; the claim is checked again', async () => {
        const a = await signedAuthenticate(server, makeProfile('A'))
        const b = await signedAuthenticate(server, makeProfile('B'))
        const c = await signedAuthenticate(server, makeProfile('C'))
        const ra = await createRoom(server, a.session)
        await join(server, ra.name, a.profile, { session: a.session, key: ra.key })
        // One room open: B and C may both reserve (reservations do not fill the server)...
        const rb = await createRoom(server, b.session)
        const rc = await createRoom(server, c.session)
        await join(server, rb.name, b.profile, { session: b.session, key: rb.key })
        // ...but only one more room fits: C's join with the key is refused.
        refused(await joinRoom(server, rc.name, c.profile, { session: c.session, key: rc.key }), 503, t('en', 'serverFull'))
        refused(await create(server, c.session, 'ja'), 503, t('ja', 'serverFull'))
        // A room closing makes space again; C's reservation is still good.
        await server.app.directory.close(ra.name, server.clock.now())
        await join(server, rc.name, c.profile, { session: c.session, key: rc.key })
    })
})
