// GET /api/rooms/{name}/events: the live feed delivers chat lines, joins and a round start as they
// happen, resumes from Last-Event-ID without loss or repeats, and keeps private rooms private.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { converge, hostRoom, joinPlayer, level, startMultiplayerServer, type MultiplayerServer } from '../helpers/multiplayer.js'
import { makeProfile, signedAuthenticate } from '../helpers/sonolus.js'
import { SseClient } from '../helpers/sse.js'

describe('room event feed (server-sent events)', () => {
    let server: MultiplayerServer
    before(async () => {
        server = await startMultiplayerServer()
    })
    after(() => server.close())

    const feed = (room: string, headers: Record<string, string> = {}) => SseClient.open(`${server.base}/api/rooms/${room}/events`, headers)

    test('chat, joins and a round start arrive live; a reconnect with Last-Event-ID gets exactly what it missed', async () => {
        const host = await hostRoom(server)
        const watcher = await feed(host.name) // a public room: no token
        assert.equal(watcher.status, 200)

        const guest = await joinPlayer(server, host.name, 'Guest')
        const joined = await watcher.next((d) => d.type === 'player_joined')
        assert.deepEqual([joined.data.user_id, joined.data.name], [guest.profile.id, 'Guest'])
        await watcher.next((d) => d.type === 'chat' && d.user_id === null && /Guest joined/.test(d.value))

        const nonce = guest.client.chat('hello room')
        await guest.client.next((e) => e.type === 'addChatMessage' && e.nonce === nonce)
        const line = await watcher.next((d) => d.type === 'chat' && d.user_id === guest.profile.id)
        assert.equal(line.data.value, 'hello room')
        assert.equal(typeof line.data.at, 'number')

        const bot = await signedAuthenticate(server, makeProfile('Relay'))
        await server.request('POST', '/api/join_room', { headers: { authorization: bot.session }, body: { name: host.name } })
        await server.request('POST', `/api/rooms/${host.name}/chat`, { headers: { authorization: bot.session }, body: { text: 'from the API' } })
        const apiLine = await watcher.next((d) => d.type === 'chat' && d.value === 'Relay: from the API')
        assert.equal(apiLine.data.user_id, null)

        // The watcher drops; meanwhile a round starts (seen live by a second watcher) and more is said.
        const second = await feed(host.name)
        watcher.close()
        const lastSeen = apiLine.id!
        host.client.selectLevel(level('song-e'))
        host.client.setStatus('preparing')
        await host.client.next((e) => e.type === 'updateStatus' && e.status === 'preparing')
        host.client.setUserStatus('ready')
        await converge(server, host.name, [host.client, guest.client])
        host.client.setStatus('playing')
        await host.client.nextOf('startRound')
        const liveStart = await second.next((d) => d.type === 'round_started')
        assert.deepEqual([liveStart.data.round, liveStart.data.participants], [1, [host.profile.id]])
        second.close()
        const nonce2 = guest.client.chat('while you were away')
        await guest.client.next((e) => e.type === 'addChatMessage' && e.nonce === nonce2)

        const resumed = await feed(host.name, { 'last-event-id': lastSeen })
        const types: string[] = []
        for (;;) {
            const event = await resumed.next()
            types.push(event.data.type)
            if (event.data.type === 'chat' && event.data.value === 'while you were away') break
        }
        assert.notEqual(types[0], 'resync')
        for (const kind of ['level', 'status', 'round_started']) assert.ok(types.includes(kind), `${kind} in ${types}`)
        assert.ok(types.indexOf('level') < types.indexOf('round_started'))
        assert.ok(!resumed.events.some((e) => e.data.value === 'Relay: from the API'), 'nothing from before the last id')
        const ids = resumed.events.map((e) => Number(e.id!.split('.')[1]))
        assert.deepEqual(
            ids,
            ids.map((_, i) => Number(lastSeen.split('.')[1]) + 1 + i),
            'consecutive ids: no loss, no repeat',
        )
        const started = resumed.events.find((e) => e.data.type === 'round_started')!
        assert.deepEqual(started.data.participants, [host.profile.id])
        assert.deepEqual(started.data.level, level('song-e'))

        // Live again after the replay.
        await server.request('POST', `/api/rooms/${host.name}/chat`, { headers: { authorization: bot.session }, body: { text: 'live again' } })
        await resumed.next((d) => d.type === 'chat' && d.value === 'Relay: live again')
        resumed.close()
        await guest.client.close()
        await host.client.close()
    })

    test('statuses changed together, master, lead and title reach the feed, as the web page needs them', async () => {
        const host = await hostRoom(server)
        const guest = await joinPlayer(server, host.name, 'Guest')
        const watcher = await feed(host.name)

        // A skipped player is set waiting with the round's start (one UpdateUserStatusesEvent for all).
        host.client.selectLevel(level('song-f'))
        host.client.setStatus('preparing')
        await host.client.next((e) => e.type === 'updateStatus' && e.status === 'preparing')
        guest.client.setUserStatus('skipped')
        await watcher.next((d) => d.type === 'player_status' && d.user_id === guest.profile.id && d.status === 'skipped')
        host.client.setUserStatus('ready')
        await converge(server, host.name, [host.client, guest.client])
        host.client.setStatus('playing')
        await host.client.nextOf('startRound')
        const waiting = await watcher.next((d) => d.type === 'player_status' && d.user_id === guest.profile.id && d.status === 'waiting')
        const started = await watcher.next((d) => d.type === 'round_started')
        assert.ok(Number(waiting.id!.split('.')[1]) < Number(started.id!.split('.')[1]), 'the status before the round')

        host.client.setMaster(guest.profile.id)
        const master = await watcher.next((d) => d.type === 'master')
        assert.deepEqual([master.data.user_id, master.data.name], [guest.profile.id, 'Guest'])
        guest.client.setLead(guest.profile.id) // the master's to give
        const lead = await watcher.next((d) => d.type === 'lead')
        assert.deepEqual([lead.data.user_id, lead.data.name], [guest.profile.id, 'Guest'])

        guest.client.chat('/title A fresh title')
        const title = await watcher.next((d) => d.type === 'title')
        assert.equal(title.data.title, 'A fresh title')

        // The master leaves: the role passes to the one left, and the feed says so.
        await guest.client.close()
        const heir = await watcher.next((d) => d.type === 'master' && d.user_id === host.profile.id)
        assert.equal(heir.data.name, host.profile.name)
        watcher.close()
        await host.client.close()
    })

    test('a stream signed in with an API token ends when the token is revoked', async () => {
        const host = await hostRoom(server)
        const owner = await signedAuthenticate(server, makeProfile('Owner'))
        const made = await server.request('POST', '/api/tokens', { headers: { authorization: owner.session }, body: { name: 'watcher' } })
        const other = await server.request('POST', '/api/tokens', { headers: { authorization: owner.session }, body: { name: 'other' } })
        const stream = await feed(host.name, { authorization: `Bearer ${made.body.token}` })
        assert.equal(stream.status, 200)
        await server.request('DELETE', `/api/tokens/${other.body.id}`, { headers: { authorization: owner.session } })
        assert.equal(await stream.endedWithin(200), false, 'another token revoked: still open')
        await server.request('DELETE', `/api/tokens/${made.body.id}`, { headers: { authorization: owner.session } })
        assert.equal(await stream.endedWithin(2000), true, 'closed at once')
        await host.client.close()
    })

    test('an id the feed cannot resume from starts with a resync event', async () => {
        const host = await hostRoom(server)
        // Another boot's id, no id at all, and an id from the future.
        for (const id of ['00000000.3', 'garbage', `${server.app.feeds.boot}.999999`]) {
            const client = await feed(host.name, { 'last-event-id': id })
            assert.equal((await client.next()).data.type, 'resync', id)
            client.close()
        }
        await host.client.close()
    })

    test('private rooms: 404 without a token or to strangers; the creator and unlocked members may watch', async () => {
        const host = await hostRoom(server, { password: 'pw' })
        const anonymous = await feed(host.name)
        assert.deepEqual([anonymous.status, anonymous.events[0]!.data], [404, { error: 'room not found' }])
        const stranger = await signedAuthenticate(server, makeProfile('Stranger'))
        assert.equal((await feed(host.name, { authorization: stranger.session })).status, 404)
        assert.equal((await feed(host.name, { authorization: 'bad-token-xxxxxxxxxxxxxxx' })).status, 401)
        const own = await feed(host.name, { authorization: host.session })
        assert.equal(own.status, 200)
        own.close()
        await server.request('POST', '/api/join_room', { headers: { authorization: stranger.session }, body: { name: host.name, password: 'pw' } })
        const member = await feed(host.name, { authorization: `Bearer ${stranger.session}` })
        assert.equal(member.status, 200)
        const nonce = host.client.chat('members only')
        await host.client.next((e) => e.type === 'addChatMessage' && e.nonce === nonce)
        await member.next((d) => d.type === 'chat' && d.value === 'members only')
        member.close()
        await host.client.close()
    })
})
