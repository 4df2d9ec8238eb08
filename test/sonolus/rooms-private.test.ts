// Private rooms: hidden from others, unlocked by typing the password in the private search, wrong
// passwords refused (403) and rate-limited per player and per room (429).
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { t } from '../../src/i18n.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { createAndJoin, joinRoom, makeProfile, signedAuthenticate, type CreatedRoom } from '../helpers/sonolus.js'

describe('private rooms', () => {
    let server: TestServer
    let room: CreatedRoom
    before(async () => {
        server = await startTestServer({ config: { passwordAttemptsPerUser: 3, passwordAttemptsPerRoom: 5 } })
        room = await createAndJoin(server, { params: { title: 'Secret club', password: 'open sesame' } })
    })
    after(() => server.close())

    const list = (session: string | undefined, query: Record<string, string> = {}) =>
        server.request('GET', '/sonolus/rooms/list', { headers: session ? { 'sonolus-session': session } : {}, query })
    const names = (res: { body: any }) => (res.body.items as { name: string }[]).map((i) => i.name)
    const privateSearch = (session: string, roomText: string, password: string) => list(session, { type: 'private', room: roomText, password })

    test('hidden from other players and from anonymous lists, shown to its creator', async () => {
        const other = await signedAuthenticate(server)
        assert.ok(!names(await list(undefined)).includes(room.name))
        assert.ok(!names(await list(other.session)).includes(room.name))
        assert.ok(!names(await list(other.session, { type: 'quick', keywords: 'Secret' })).includes(room.name))
        const info = await server.request('GET', '/sonolus/rooms/info', { headers: { 'sonolus-session': other.session } })
        assert.doesNotMatch(info.text, new RegExp(room.name))
        const own = await list(room.session)
        assert.ok(names(own).includes(room.name))
        const item = own.body.items.find((i: { name: string }) => i.name === room.name)
        assert.ok(item.tags.some((tag: { title: string }) => tag.title === t('en', 'tagPrivate')))
    })

    test('joining while locked → 403', async () => {
        const res = await joinRoom(server, room.name, makeProfile('Stranger'))
        assert.equal(res.status, 403)
        assert.equal(res.body.message, t('en', 'roomLocked'))
    })

    test('the right password (by room name) shows a joinable entry to that player only, and unlocks the join', async () => {
        const friend = await signedAuthenticate(server, makeProfile('Friend'))
        const res = await privateSearch(friend.session, room.name, 'open sesame')
        assert.equal(res.status, 200, res.text)
        assert.deepEqual(names(res), [room.name])
        assert.ok(names(await list(friend.session)).includes(room.name), 'now in their list')
        const stranger = await signedAuthenticate(server)
        assert.ok(!names(await list(stranger.session)).includes(room.name), 'still hidden from others')
        assert.equal((await joinRoom(server, room.name, friend.profile, { session: friend.session })).status, 200)
        assert.equal((await joinRoom(server, room.name, stranger.profile)).status, 403)
    })

    test('the exact title works as well as the name', async () => {
        const friend = await signedAuthenticate(server)
        const res = await privateSearch(friend.session, 'secret CLUB', 'open sesame')
        assert.equal(res.status, 200, res.text)
        assert.deepEqual(names(res), [room.name])
    })

    test('the private search needs a signed-in player', async () => {
        const res = await list(undefined, { type: 'private', room: room.name, password: 'open sesame' })
        assert.equal(res.status, 401)
    })

    test('a wrong password → 403, and after a few → 429 for that player', async () => {
        const guesser = await signedAuthenticate(server)
        for (let i = 0; i < server.config.passwordAttemptsPerUser; i++) {
            const res = await privateSearch(guesser.session, room.name, `guess ${i}`)
            assert.equal(res.status, 403, res.text)
            assert.equal(res.body.message, t('en', 'wrongPassword'))
        }
        const limited = await privateSearch(guesser.session, room.name, 'open sesame')
        assert.equal(limited.status, 429, 'even the right password waits once limited')
        assert.equal(limited.body.message, t('en', 'tooManyAttempts'))
        server.clock.advance(server.config.passwordAttemptWindowMs + 1)
        assert.equal((await privateSearch(guesser.session, room.name, 'open sesame')).status, 200, 'the window passes')
    })

    test('many players guessing one room → 429 for the room', async () => {
        const target = await createAndJoin(server, { params: { password: 'p4ss' } })
        for (let i = 0; i < server.config.passwordAttemptsPerRoom; i++) {
            const guesser = await signedAuthenticate(server)
            assert.equal((await privateSearch(guesser.session, target.name, `nope ${i}`)).status, 403)
        }
        const late = await signedAuthenticate(server)
        const res = await privateSearch(late.session, target.name, 'p4ss')
        assert.equal(res.status, 429)
    })

    test('the password never appears in any answer', async () => {
        const friend = await signedAuthenticate(server)
        const res = await privateSearch(friend.session, room.name, 'open sesame')
        assert.doesNotMatch(res.text, /open sesame|scrypt/)
        const own = await list(room.session)
        assert.doesNotMatch(own.text, /open sesame|scrypt/)
    })
})
