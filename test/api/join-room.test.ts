// POST /api/join_room as the join-room API is specified: every status and exact body, the repeat join, the wrong-password
// limiter (429 + Retry-After, shared with the app's private search), and unlocks shared both ways.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { createAndJoin, makeProfile, signedAuthenticate, type CreatedRoom } from '../helpers/sonolus.js'

describe('POST /api/join_room', () => {
    let server: TestServer
    let publicRoom: CreatedRoom
    let privateRoom: CreatedRoom
    before(async () => {
        server = await startTestServer()
        publicRoom = await createAndJoin(server, { params: { title: 'General Discussion' } })
        privateRoom = await createAndJoin(server, { params: { title: 'Secret Club', password: 'secure-password' } })
    })
    after(() => server.close())

    const joinRoom = (token: string | undefined, body: unknown) =>
        server.request('POST', '/api/join_room', { headers: token === undefined ? {} : { authorization: token }, body })
    const roomId = async (name: string) => (await server.app.store.getRoom(name))!.id

    test('joins a public room: 200 {message, room_id, room_name}', async () => {
        const user = await signedAuthenticate(server, makeProfile('john'))
        const res = await joinRoom(user.session, { name: publicRoom.name })
        assert.equal(res.status, 200)
        assert.deepEqual(res.body, {
            message: `${user.profile.handle} joined room "${publicRoom.name}"`,
            room_id: await roomId(publicRoom.name),
            room_name: publicRoom.name,
        })
        assert.equal(typeof res.body.room_id, 'number')
        const member = await server.app.store.getRoomMembership(publicRoom.name, user.profile.id)
        assert.ok(member && Math.abs(member.joinedAt - server.clock.now()) < 5000, 'membership stored with joined_at')
    })

    test('joins a private room with its password; the room is then unlocked in the app too', async () => {
        const user = await signedAuthenticate(server, makeProfile('jane'))
        const res = await joinRoom(`Bearer ${user.session}`, { name: privateRoom.name, password: 'secure-password' })
        assert.deepEqual(
            [res.status, res.body],
            [
                200,
                {
                    message: `${user.profile.handle} joined room "${privateRoom.name}"`,
                    room_id: await roomId(privateRoom.name),
                    room_name: privateRoom.name,
                },
            ],
        )
        // The app lists the private room to this player now (it lists private rooms to unlockers only).
        const list = await server.request('GET', '/sonolus/rooms/list', {
            headers: { 'sonolus-session': user.session },
            query: { type: 'quick', keywords: 'Secret' },
        })
        assert.equal(list.status, 200)
        assert.ok(
            list.body.items.some((i: { name: string }) => i.name === privateRoom.name),
            'unlocked in the app',
        )
    })

    test('400 missing room name or token', async () => {
        const user = await signedAuthenticate(server, makeProfile('x'))
        const expected = [400, { error: 'missing room name or token' }]
        for (const body of [{}, { name: '' }, { password: 'p' }, { name: null }, undefined, []]) {
            const res = await joinRoom(user.session, body)
            assert.deepEqual([res.status, res.body], expected, JSON.stringify(body))
        }
        for (const token of [undefined, '', 'Bearer ']) {
            const res = await joinRoom(token, { name: publicRoom.name })
            assert.deepEqual([res.status, res.body], expected, `token ${JSON.stringify(token)}`)
        }
        const badPassword = await joinRoom(user.session, { name: privateRoom.name, password: 'p'.repeat(257) })
        assert.deepEqual([badPassword.status, badPassword.body], [400, { error: 'invalid body.password: must NOT have more than 256 characters' }])
        const bothMissing = await joinRoom(undefined, {})
        assert.deepEqual([bothMissing.status, bothMissing.body], expected)
    })

    test('401 unauthorized for an unknown, malformed, expired or revoked token', async () => {
        const expected = [401, { error: 'unauthorized' }]
        for (const token of ['not-a-token', 'x'.repeat(43), 'Bearer ' + 'z'.repeat(60), 'ens_' + 'q'.repeat(50)]) {
            const res = await joinRoom(token, { name: publicRoom.name })
            assert.deepEqual([res.status, res.body], expected, token)
        }
        const user = await signedAuthenticate(server, makeProfile('later'))
        const made = await server.request('POST', '/api/tokens', { headers: { authorization: user.session }, body: { name: 'b' } })
        assert.equal((await joinRoom(made.body.token, { name: publicRoom.name })).status, 200, 'an API token joins')
        await server.request('DELETE', `/api/tokens/${made.body.id}`, { headers: { authorization: user.session } })
        const revoked = await joinRoom(made.body.token, { name: publicRoom.name })
        assert.deepEqual([revoked.status, revoked.body], expected)
    })

    test('404 room not found (unknown name, wrong case, closed room)', async () => {
        const user = await signedAuthenticate(server, makeProfile('y'))
        for (const name of ['nosuchroom', publicRoom.name.toUpperCase(), ` ${publicRoom.name}`]) {
            const res = await joinRoom(user.session, { name })
            assert.deepEqual([res.status, res.body], [404, { error: 'room not found' }], name)
        }
        const closing = await createAndJoin(server)
        await server.app.directory.close(closing.name, server.clock.now())
        const closed = await joinRoom(user.session, { name: closing.name })
        assert.deepEqual([closed.status, closed.body], [404, { error: 'room not found' }])
    })

    test('403 password required / wrong password', async () => {
        const user = await signedAuthenticate(server, makeProfile('z'))
        for (const body of [{ name: privateRoom.name }, { name: privateRoom.name, password: '' }]) {
            const res = await joinRoom(user.session, body)
            assert.deepEqual([res.status, res.body], [403, { error: 'password required' }])
        }
        const wrong = await joinRoom(user.session, { name: privateRoom.name, password: 'nope' })
        assert.deepEqual([wrong.status, wrong.body], [403, { error: 'wrong password' }])
        assert.equal(await server.app.store.getRoomMembership(privateRoom.name, user.profile.id), undefined)
        // A public room ignores a password.
        const open = await joinRoom(user.session, { name: publicRoom.name, password: 'whatever' })
        assert.equal(open.status, 200)
    })

    test('a repeat join answers 200 again and moves joined_at', async () => {
        const user = await signedAuthenticate(server, makeProfile('again'))
        const first = await joinRoom(user.session, { name: publicRoom.name })
        const t1 = (await server.app.store.getRoomMembership(publicRoom.name, user.profile.id))!.joinedAt
        server.clock.advance(60_000)
        const second = await joinRoom(user.session, { name: publicRoom.name })
        assert.deepEqual([second.status, second.body], [first.status, first.body])
        const t2 = (await server.app.store.getRoomMembership(publicRoom.name, user.profile.id))!.joinedAt
        assert.ok(t2 >= t1 + 60_000, `joined_at moved (${t1} → ${t2})`)
        const members = await server.app.store.listRoomMembers(publicRoom.name)
        assert.equal(members.filter((m) => m.userId === user.profile.id).length, 1, 'one membership')
        // A member of a private room joins again without the password.
        const insider = await signedAuthenticate(server, makeProfile('insider'))
        assert.equal((await joinRoom(insider.session, { name: privateRoom.name, password: 'secure-password' })).status, 200)
        await server.app.store.addRoomUnlock(privateRoom.name, insider.profile.id, 0) // whatever the unlock's age
        assert.equal((await joinRoom(insider.session, { name: privateRoom.name })).status, 200)
    })

    test('unlocked in the app (private search) → the API join needs no password', async () => {
        const user = await signedAuthenticate(server, makeProfile('app user'))
        const search = await server.request('GET', '/sonolus/rooms/list', {
            headers: { 'sonolus-session': user.session },
            query: { type: 'private', room: privateRoom.name, password: 'secure-password' },
        })
        assert.equal(search.status, 200)
        const res = await joinRoom(user.session, { name: privateRoom.name })
        assert.equal(res.status, 200)
        assert.equal(res.body.room_name, privateRoom.name)
    })

    test('429 with Retry-After after too many wrong passwords (the same limiter as the app)', async () => {
        const user = await signedAuthenticate(server, makeProfile('guesser'))
        const attempts = server.config.passwordAttemptsPerUser
        for (let i = 0; i < attempts; i++) {
            const res = await joinRoom(user.session, { name: privateRoom.name, password: `guess ${i}` })
            assert.deepEqual([res.status, res.body], [403, { error: 'wrong password' }], `attempt ${i}`)
        }
        const limited = await joinRoom(user.session, { name: privateRoom.name, password: 'secure-password' })
        assert.equal(limited.status, 429)
        assert.equal(typeof limited.body.error, 'string')
        assert.deepEqual(Object.keys(limited.body), ['error'])
        const retryAfter = Number(limited.headers.get('retry-after'))
        assert.ok(retryAfter >= 1 && retryAfter <= server.config.passwordAttemptWindowMs / 1000, `Retry-After ${retryAfter}`)
        // The app's private search is limited for this player too: one limiter.
        const app = await server.request('GET', '/sonolus/rooms/list', {
            headers: { 'sonolus-session': user.session },
            query: { type: 'private', room: privateRoom.name, password: 'secure-password' },
        })
        assert.equal(app.status, 429)
        // After the window the right password works again.
        server.clock.advance(server.config.passwordAttemptWindowMs + 1)
        const later = await joinRoom(user.session, { name: privateRoom.name, password: 'secure-password' })
        assert.equal(later.status, 200)
    })
})
