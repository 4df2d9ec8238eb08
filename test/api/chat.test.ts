// Chat from the API into the game: a line posted through POST /api/rooms/{name}/chat reaches the
// players' WebSocket clients (RoomClient's model checks every event as the app does), is readable back
// through the history, and obeys the in-game length and rate limits. And the live scoreboard.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { AddChatMessageEvent, LevelItem, StartRoundEvent } from '@sonolus/core'
import { converge, hostRoom, joinPlayer, level, startMultiplayerServer, type MultiplayerServer } from '../helpers/multiplayer.js'
import { makeProfile, signedAuthenticate } from '../helpers/sonolus.js'
import { SseClient } from '../helpers/sse.js'
import { sampleResult } from '../helpers/gameplay.js'

describe('chat and scoreboard through the API', () => {
    let server: MultiplayerServer
    before(async () => {
        server = await startMultiplayerServer()
    })
    after(() => server.close())

    const api = (method: string, path: string, token: string | undefined, body?: unknown) =>
        server.request(method, `/api${path}`, { headers: token ? { authorization: token } : {}, body })
    const chatOf = (e: { type: string }): e is AddChatMessageEvent => e.type === 'addChatMessage'

    test('a member posts: every player receives it live, the history keeps it', async () => {
        const host = await hostRoom(server)
        const guest = await joinPlayer(server, host.name, 'Guest')
        const bot = await signedAuthenticate(server, makeProfile('Relay'))
        assert.equal((await api('POST', '/join_room', bot.session, { name: host.name })).status, 200)

        const posted = await api('POST', `/rooms/${host.name}/chat`, bot.session, { text: 'hello from discord' })
        assert.equal(posted.status, 201)
        assert.deepEqual(posted.body.message, { user_id: null, type: 'text', value: 'Relay: hello from discord' })
        assert.equal(posted.body.delivered, true)
        for (const client of [host.client, guest.client]) {
            const event = (await client.next((e) => chatOf(e) && e.message.value === 'Relay: hello from discord')) as AddChatMessageEvent
            assert.deepEqual(event, { type: 'addChatMessage', message: { userId: null, type: 'text', value: 'Relay: hello from discord' } })
        }

        // A player in the game posting through the API writes as themselves.
        const own = await api('POST', `/rooms/${host.name}/chat`, `Bearer ${guest.session}`, { text: 'typed on my phone' })
        assert.equal(own.status, 201)
        assert.equal(own.body.message.user_id, guest.profile.id)
        const seen = (await host.client.next((e) => chatOf(e) && e.message.value === 'typed on my phone')) as AddChatMessageEvent
        assert.equal(seen.message.userId, guest.profile.id)
        await converge(server, host.name, [host.client, guest.client])
        for (const client of [host.client, guest.client]) assert.equal(client.fatal, undefined)

        const history = await api('GET', `/rooms/${host.name}/chat`, bot.session)
        const lines = history.body.messages.map((m: { user_id: string | null; value: string }) => [m.user_id, m.value])
        assert.deepEqual(lines.slice(0, 2), [
            [guest.profile.id, 'typed on my phone'],
            [null, 'Relay: hello from discord'],
        ])
        await guest.client.close()
        await host.client.close()
    })

    test('members only; the in-game length and rate limits; a room nobody is in stores the line', async () => {
        const host = await hostRoom(server)
        const member = await signedAuthenticate(server, makeProfile('Member'))
        const outsider = await signedAuthenticate(server, makeProfile('Outsider'))
        await api('POST', '/join_room', member.session, { name: host.name })
        const post = (token: string | undefined, body: unknown, room = host.name) => api('POST', `/rooms/${room}/chat`, token, body)

        assert.deepEqual((await post(outsider.session, { text: 'hi' })).body, { error: 'not a member of this room' })
        assert.equal((await post(outsider.session, { text: 'hi' })).status, 403)
        assert.equal((await post(undefined, { text: 'hi' })).status, 401)
        assert.deepEqual((await post(member.session, { text: 'hi' }, 'nosuchroom')).body, { error: 'room not found' })
        const tooLong = await post(member.session, { text: 'x'.repeat(201) })
        assert.deepEqual([tooLong.status, tooLong.body], [400, { error: 'invalid body.text: too long (200 characters at most)' }])
        assert.equal((await post(member.session, { text: 'é'.repeat(200) })).status, 201, '200 characters pass')
        assert.deepEqual((await post(member.session, { text: '   ' })).body, { error: 'invalid body.text: empty' })
        assert.match((await post(member.session, {})).body.error, /^invalid body\.text/)

        // 5 messages per 5 s, as in the game (one was spent above).
        for (let i = 0; i < 4; i++) assert.equal((await post(member.session, { text: `burst ${i}` })).status, 201, `message ${i}`)
        const limited = await post(member.session, { text: 'one too many' })
        assert.equal(limited.status, 429)
        assert.deepEqual(limited.body, { error: 'too many messages, try again later' })
        assert.ok(Number(limited.headers.get('retry-after')) >= 1)
        server.clock.advance(5_000)
        assert.equal((await post(member.session, { text: 'after the window' })).status, 201)

        // A room nobody is in: stored (the line readable in the history), not delivered.
        const quiet = await api('POST', '/rooms', member.session, { name: 'quiet-room' })
        assert.equal(quiet.status, 201)
        const stored = await post(member.session, { text: 'anyone?' }, 'quiet-room')
        assert.equal(stored.status, 201)
        assert.equal(stored.body.delivered, false)
        const history = await api('GET', '/rooms/quiet-room/chat', member.session)
        assert.deepEqual(
            history.body.messages.map((m: { value: string }) => m.value),
            ['Member: anyone?'],
        )
        await host.client.close()
    })

    test('GET /api/rooms/{name}/scoreboard follows the room; public rooms need no token', async () => {
        const host = await hostRoom(server)
        const before = await api('GET', `/rooms/${host.name}/scoreboard`, undefined)
        assert.deepEqual(before.body, { room_name: host.name, live: true, description: null, sections: [{ title: '#ARCADE_SCORE', scores: [] }] })
        const watcher = await SseClient.open(`${server.base}/api/rooms/${host.name}/events`)
        // One round: the host plays alone and finishes, which ends the round.
        host.client.selectLevel(level('song-s'))
        host.client.setStatus('preparing')
        await host.client.next((e) => e.type === 'updateStatus' && e.status === 'preparing')
        host.client.setUserStatus('ready')
        await converge(server, host.name, [host.client])
        host.client.setStatus('playing')
        const start = (await host.client.nextOf('startRound')) as StartRoundEvent
        host.client.startGameplay(start.state, { name: 'song-s', title: 'song-s' } as unknown as LevelItem)
        await new Promise((resolve) => setTimeout(resolve, 50))
        host.client.finishGameplay(start.state, sampleResult(900_000, 0.9))
        await host.client.nextOf('update')

        const board = await api('GET', `/rooms/${host.name}/scoreboard`, undefined)
        assert.equal(board.status, 200)
        assert.equal(board.body.live, true)
        assert.equal(board.body.sections.length, 1)
        assert.deepEqual(
            board.body.sections[0].scores.map((s: { user_id: string; name: string; value: string }) => [s.user_id, s.name, s.value]),
            [[host.profile.id, 'Creator', '900,000']],
        )
        // The feed told the same story: a result, the round's end and the new board.
        const result = await watcher.next((d) => d.type === 'result')
        assert.equal(result.data.user_id, host.profile.id)
        await watcher.next((d) => d.type === 'round_finished')
        const fed = await watcher.next((d) => d.type === 'scoreboard')
        assert.deepEqual(fed.data.sections, board.body.sections)
        watcher.close()
        await host.client.close()

        const secret = await hostRoom(server, { password: 'pw' })
        assert.equal((await api('GET', `/rooms/${secret.name}/scoreboard`, undefined)).status, 404)
        const mine = await api('GET', `/rooms/${secret.name}/scoreboard`, secret.session)
        assert.deepEqual([mine.status, mine.body.live, mine.body.sections.length], [200, true, 1])
        await secret.client.close()
    })
})
