// Rooms end to end: real servers, real sockets, the client library's model checking every event as
// the app would, and the clients' states compared with a fresh UpdateEvent.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { StartRoundEvent } from '@sonolus/core'
import { level, levelItem, sampleResult } from '../helpers/gameplay.js'
import { connect, converge, hostRoom, joinPlayer, startMultiplayerServer, type MultiplayerServer } from '../helpers/multiplayer.js'
import { createRoom, join, joinRoom, makeProfile, signedAuthenticate } from '../helpers/sonolus.js'

const result = (arcadeScore: number) => sampleResult(arcadeScore, arcadeScore / 10000)

describe('rooms over WebSocket', () => {
    let server: MultiplayerServer
    before(async () => (server = await startMultiplayerServer({ reconnectGraceMs: 400, emptyRoomIdleMs: 300 })))
    after(() => server.close())

    test('a full round with four players: ready/skip, one seed, results, scoreboard, back to selecting', async () => {
        const host = await hostRoom(server)
        const alice = await joinPlayer(server, host.name, 'Alice')
        const bob = await joinPlayer(server, host.name, 'Bob')
        const carol = await joinPlayer(server, host.name, 'Carol')
        const everyone = [host.client, alice.client, bob.client, carol.client]
        assert.equal(host.client.model.view!.master, host.profile.id)
        assert.equal(host.client.model.view!.lead, host.profile.id)

        alice.client.addSuggestion(level('song-a'))
        await host.client.nextOf('addSuggestion')
        host.client.selectLevel(level('song-a'))
        host.client.setStatus('preparing')
        await alice.client.next((e) => e.type === 'updateStatus' && e.status === 'preparing')

        host.client.setUserStatus('ready')
        alice.client.setUserStatus('ready')
        bob.client.setUserStatus('ready')
        carol.client.setUserStatus('skipped')
        // Their commands travel on three other sockets: wait until the server has taken all three before
        // the host starts (converging alone can pass before they arrive, and the round would start with one).
        const unseen = new Set([alice, bob, carol].map((p) => p.profile.id))
        while (unseen.size) {
            const e = await host.client.nextOf('updateUserStatus')
            unseen.delete(e.userStatus.userId)
        }
        await converge(server, host.name, everyone)

        host.client.setStatus('playing')
        const starts = (await Promise.all([host, alice, bob].map((p) => p.client.nextOf('startRound')))) as StartRoundEvent[]
        assert.equal(new Set(starts.map((s) => s.seed)).size, 1, 'every readied player gets the same seed')
        assert.equal(new Set(starts.map((s) => s.state)).size, 1)
        assert.ok(starts[0]!.seed >= 0 && starts[0]!.seed < 1)
        await converge(server, host.name, everyone)
        assert.equal(
            carol.client.received.some((e) => e.type === 'startRound'),
            false,
            'skipped players do not start',
        )

        const { state } = starts[0]!
        for (const p of [host, alice, bob]) p.client.startGameplay(state, levelItem('song-a'))
        // Three sockets again: poll the server until it took all three (bounded), then check who plays.
        const playingIds = () =>
            server.multiplayer.hub
                .get(host.name)!
                .engine.view.userStatuses.filter((s) => s.status === 'playing')
                .map((s) => s.userId)
                .sort()
        for (const until = Date.now() + 5000; playingIds().length < 3 && Date.now() < until;) await new Promise((resolve) => setTimeout(resolve, 10))
        assert.deepEqual(playingIds(), [host.profile.id, alice.profile.id, bob.profile.id].sort())

        alice.client.finishGameplay(state, result(900_000))
        await alice.client.nextOf('update')
        host.client.finishGameplay(state, result(700_000))
        await host.client.nextOf('update')
        // A stale or forged finish changes nothing (state of no round).
        carol.client.sendRaw({ type: 'finishGameplay', state: 'not-a-round', result: result(1_000_000) })
        bob.client.finishGameplay(state, result(800_000))
        await bob.client.nextOf('update')
        // The last player finished: the round ends by itself.
        await carol.client.next((e) => e.type === 'updateStatus' && e.status === 'selecting')
        await converge(server, host.name, everyone)

        const view = server.multiplayer.hub.get(host.name)!.engine.view
        assert.equal(view.status, 'selecting')
        assert.ok(view.userStatuses.every((s) => s.status === 'waiting'))
        assert.deepEqual(view.results.map((r) => r.userId).sort(), [host.profile.id, alice.profile.id, bob.profile.id].sort())
        const firstScores = view.scoreboardSections[0]!.scores.map((s) => s.userId)
        assert.deepEqual(firstScores.slice(0, 3), [alice.profile.id, bob.profile.id, host.profile.id], 'ranked by arcade score')
        for (const c of everyone) assert.equal(c.fatal, undefined)

        const stored = await server.app.store.listRoundResults(host.name, { limit: 10 })
        assert.equal(stored.length, 3)
        for (const c of everyone) await c.close()
    })

    test('the master finishes a round early', async () => {
        const host = await hostRoom(server)
        const guest = await joinPlayer(server, host.name, 'Guest')
        host.client.selectLevel(level('song-b'))
        host.client.setStatus('preparing')
        guest.client.setUserStatus('ready')
        await host.client.next((e) => e.type === 'updateUserStatus' && e.userStatus.status === 'ready')
        // The guest may not start or finish rounds.
        guest.client.setStatus('playing')
        host.client.setStatus('playing')
        const start = await guest.client.nextOf('startRound')
        guest.client.startGameplay(start.state, levelItem('song-b'))
        host.client.setStatus('selecting')
        await host.client.next((e) => e.type === 'updateStatus' && e.status === 'selecting')
        // The guest comes back from gameplay to a room that moved on; its late finish is ignored.
        guest.client.finishGameplay(start.state, result(500_000))
        await guest.client.nextOf('update')
        await converge(server, host.name, [host.client, guest.client])
        assert.equal(server.multiplayer.hub.get(host.name)!.engine.view.results.length, 0)
        await guest.client.close()
        await host.client.close()
    })

    // Found by the property test over real sockets (seed 20261124, path 143): a client that finished gameplay,
    // started and finished again in a row was initialized by the UpdateEvent answering its first finish, then
    // sent the events that followed its last one, without those withheld while it played in between (its
    // fresh UpdateEvent held back by the resync limit); it rejected an insertScoreboardSectionScore.
    test('back from gameplay, a player is sent nothing but an UpdateEvent until one goes out, even one the resync limit holds back', async () => {
        const host = await hostRoom(server)
        const guest = await joinPlayer(server, host.name, 'Returning')
        const room = server.multiplayer.hub.get(host.name)!
        // The resync limit lets 5 UpdateEvents answer finishGameplay in 10 s, and the correction limit 3 more: spend them.
        const { resync, correction } = room.engine.limits
        for (let i = 0; i < resync.burst + correction.burst; i++) {
            guest.client.finishGameplay('no-such-round', result(1))
            await guest.client.nextOf('update')
        }
        const from = guest.client.received.length
        guest.client.finishGameplay('no-such-round', result(1))
        // Its UpdateEvent is held back (the room's tick sends it once the limit allows).
        while (!room.engine.pendingCorrections.has(guest.profile.id)) await new Promise((resolve) => setTimeout(resolve, 5))
        host.client.addSuggestion(level('song-c'))
        const nonce = host.client.chat('while the guest waits for its UpdateEvent')
        await host.client.next((e) => e.type === 'addChatMessage' && e.nonce === nonce)
        const update = await guest.client.nextOf('update', 15_000)
        const before = guest.client.received.slice(from, guest.client.received.lastIndexOf(update))
        assert.deepEqual(
            before.map((e) => e.type),
            [],
            'nothing before the UpdateEvent',
        )
        assert.equal(update.suggestions.length, 1, 'which holds what was withheld')
        // From then on, events flow as before.
        const after = host.client.chat('after the UpdateEvent')
        await host.client.next((e) => e.type === 'addChatMessage' && e.nonce === after)
        await guest.client.next((e) => e.type === 'addChatMessage' && e.message.value === 'after the UpdateEvent')
        await converge(server, host.name, [host.client, guest.client])
        await guest.client.close()
        await host.client.close()
    })

    test('chat: the nonce goes only to the sender; messages are stored', async () => {
        const host = await hostRoom(server)
        const guest = await joinPlayer(server, host.name, 'Guest')
        const nonce = guest.client.chat('hello room')
        const mine = await guest.client.next((e) => e.type === 'addChatMessage' && e.message.userId === guest.profile.id)
        const theirs = await host.client.next((e) => e.type === 'addChatMessage' && e.message.userId === guest.profile.id)
        assert.equal(mine.type === 'addChatMessage' && mine.nonce, nonce)
        assert.equal(theirs.type === 'addChatMessage' && 'nonce' in theirs, false)
        const stored = await server.app.store.listChatMessages(host.name, { limit: 20 })
        assert.ok(stored.some((m) => m.userId === guest.profile.id && m.value === 'hello room'))
        assert.ok(
            stored.some((m) => m.userId === null),
            'system messages (joins) are kept too',
        )
        await guest.client.close()
        await host.client.close()
    })

    test('reconnect within the grace period keeps the seat and resyncs with a full UpdateEvent', async () => {
        const host = await hostRoom(server)
        const guest = await joinPlayer(server, host.name, 'Flaky')
        guest.client.drop()
        await new Promise((resolve) => setTimeout(resolve, 100))
        host.client.chat('while you were away')
        const answer = await join(server, host.name, guest.profile, { session: guest.session })
        const back = await connect(server, host.name, answer, guest.profile)
        await back.nextOf('update')
        await converge(server, host.name, [host.client, back])
        assert.equal(
            host.client.received.some((e) => e.type === 'removeUser'),
            false,
        )
        await back.close()
        await host.client.close()
    })

    test('after the grace period a dropped player is removed', async () => {
        const host = await hostRoom(server)
        const guest = await joinPlayer(server, host.name, 'Gone')
        guest.client.drop()
        const removed = await host.client.nextOf('removeUser', 3000)
        assert.ok(removed.user.authentication)
        await converge(server, host.name, [host.client])
        assert.equal(server.multiplayer.hub.isMember(host.name, guest.profile.id), false)
        await host.client.close()
    })

    test('a second connection of the same player replaces the first', async () => {
        const host = await hostRoom(server)
        const guest = await joinPlayer(server, host.name, 'Twin')
        const answer = await join(server, host.name, guest.profile, { session: guest.session })
        const second = await connect(server, host.name, answer, guest.profile)
        await second.nextOf('update')
        const closed = await guest.client.closed
        assert.equal(closed.code, 4000)
        await converge(server, host.name, [host.client, second])
        assert.equal(server.multiplayer.hub.get(host.name)!.playerCount, 2)
        await second.close()
        await host.client.close()
    })

    test('kick: the player is removed, disconnected and cannot rejoin for a while', async () => {
        const host = await hostRoom(server)
        const guest = await joinPlayer(server, host.name, 'Troll')
        const bystander = await joinPlayer(server, host.name, 'Bystander')
        // Only the master kicks.
        bystander.client.kick(guest.profile.id)
        host.client.kick(guest.profile.id)
        const closed = await guest.client.closed
        assert.equal(closed.code, 4001)
        await converge(server, host.name, [host.client, bystander.client])
        assert.equal(server.multiplayer.hub.isMember(host.name, guest.profile.id), false)
        const res = await signedAuthenticate(server, guest.profile)
        await assert.rejects(join(server, host.name, guest.profile, { session: res.session }), /403/)
        await bystander.client.close()
        await host.client.close()
    })

    test('when the master and lead leaves, both roles pass to the longest-present player', async () => {
        const host = await hostRoom(server)
        const first = await joinPlayer(server, host.name, 'First')
        const second = await joinPlayer(server, host.name, 'Second')
        await host.client.close()
        await first.client.next((e) => e.type === 'updateMaster' && e.master === first.profile.id)
        await converge(server, host.name, [first.client, second.client])
        const view = first.client.model.view!
        assert.equal(view.master, first.profile.id)
        assert.equal(view.lead, first.profile.id)
        // Hand-over: the new master gives lead to the second player.
        first.client.setLead(second.profile.id)
        await second.client.next((e) => e.type === 'updateLead' && e.lead === second.profile.id)
        await converge(server, host.name, [first.client, second.client])
        await first.client.close()
        await second.client.close()
    })

    test('an empty room closes after the idle timeout: gone from the list, its history kept', async () => {
        const host = await hostRoom(server)
        host.client.chat('remember me')
        await host.client.next((e) => e.type === 'addChatMessage' && e.message.userId === host.profile.id)
        await host.client.close()
        const start = Date.now()
        while (server.multiplayer.hub.get(host.name) && Date.now() - start < 3000) {
            await new Promise((resolve) => setTimeout(resolve, 20))
        }
        assert.equal(server.multiplayer.hub.get(host.name), undefined)
        await new Promise((resolve) => setTimeout(resolve, 50))
        const again = await signedAuthenticate(server, host.profile)
        await assert.rejects(join(server, host.name, host.profile, { session: again.session }), /404/)
        const list = await server.request('GET', '/sonolus/rooms/list', { headers: { 'sonolus-session': again.session } })
        assert.equal(
            list.body.items.some((item: { name: string }) => item.name === host.name),
            false,
        )
        const history = await server.request('GET', `/api/rooms/${host.name}/chat`, { headers: { authorization: again.session } })
        assert.ok(history.body.messages.some((m: { value: string }) => m.value === 'remember me'))
    })

    test('a room nobody ever connected to closes once quiet past the idle timeout', async () => {
        const signedIn = await signedAuthenticate(server, makeProfile('Absent'))
        const { name, key } = await createRoom(server, signedIn.session)
        await join(server, name, signedIn.profile, { session: signedIn.session, key })
        await server.multiplayer.closeAbandoned()
        const early = await joinRoom(server, name, makeProfile('Early'))
        assert.equal(early.status, 200, 'not yet: the room is younger than the idle timeout')
        await new Promise((resolve) => setTimeout(resolve, 400))
        await server.multiplayer.closeAbandoned()
        const late = await joinRoom(server, name, makeProfile('Late'))
        assert.equal(late.status, 404)
    })

    // The creator's socket and the abandoned-room sweep, in both orders; the store's calls for this room are
    // held at the seam (the real store answers) so that each order happens for sure. Never a live room on a
    // closed row: nobody could join it, and no list would show it.
    test('a creator arriving as the abandoned-room sweep looks: a room being opened is not closed under them', async () => {
        const signedIn = await signedAuthenticate(server, makeProfile('Late creator'))
        const { name, key } = await createRoom(server, signedIn.session)
        const answer = await join(server, name, signedIn.profile, { session: signedIn.session, key })
        await new Promise((resolve) => setTimeout(resolve, 400)) // quiet past the idle timeout
        const store = server.app.store
        const getRoom = store.getRoom
        let release!: () => void
        const gate = new Promise<void>((resolve) => (release = resolve))
        store.getRoom = async (n) => {
            const record = await getRoom.call(store, n)
            if (n === name) await gate // the hub's record read, answered "open", not yet back
            return record
        }
        try {
            const connecting = connect(server, name, answer, signedIn.profile)
            while (!server.multiplayer.hub.isLiveOrOpening(name)) await new Promise((resolve) => setTimeout(resolve, 5))
            await server.multiplayer.closeAbandoned()
            release()
            const client = await connecting
            await client.nextOf('update')
            assert.equal((await getRoom.call(store, name))!.closedAt, null, 'the sweep left the room being opened alone')
            assert.ok(server.multiplayer.hub.get(name))
            await client.close()
        } finally {
            release()
            store.getRoom = getRoom
        }
    })

    test('a player arriving while the close of a closed live room is written: refused, the room not reopened on its row', async () => {
        const host = await hostRoom(server)
        const guest = await signedAuthenticate(server, makeProfile('Just too late'))
        const answer = await join(server, host.name, guest.profile, { session: guest.session })
        const store = server.app.store
        const updateRoom = store.updateRoom
        let release!: () => void
        const gate = new Promise<void>((resolve) => (release = resolve))
        store.updateRoom = async (n, patch) => {
            if (n === host.name && patch.closedAt) await gate
            return updateRoom.call(store, n, patch)
        }
        try {
            assert.equal(server.multiplayer.hub.closeRoom(host.name), true) // a moderator's close, on this node
            assert.equal((await host.client.closed).code, 4005)
            // The row still says open: the hub must not open the room again from it.
            await assert.rejects(connect(server, host.name, answer, guest.profile), /404/)
            release()
            while ((await store.getRoom(host.name))!.closedAt === null) await new Promise((resolve) => setTimeout(resolve, 5))
            assert.equal(server.multiplayer.hub.get(host.name), undefined)
        } finally {
            release()
            store.updateRoom = updateRoom
        }
    })

    test('a creator arriving while the abandoned-room sweep closes the room: refused, not opened on the closed row', async () => {
        const signedIn = await signedAuthenticate(server, makeProfile('Later creator'))
        const { name, key } = await createRoom(server, signedIn.session)
        const answer = await join(server, name, signedIn.profile, { session: signedIn.session, key })
        await new Promise((resolve) => setTimeout(resolve, 400))
        const store = server.app.store
        const updateRoom = store.updateRoom
        let release!: () => void
        const gate = new Promise<void>((resolve) => (release = resolve))
        let closing = false
        store.updateRoom = async (n, patch) => {
            if (n === name && patch.closedAt) {
                closing = true
                await gate // the sweep has decided; its write is not made yet
            }
            return updateRoom.call(store, n, patch)
        }
        try {
            const sweeping = server.multiplayer.closeAbandoned()
            while (!closing) await new Promise((resolve) => setTimeout(resolve, 5))
            // The hub reads the record now, still open.
            await assert.rejects(connect(server, name, answer, signedIn.profile), /404/)
            release()
            await sweeping
            assert.notEqual((await store.getRoom(name))!.closedAt, null)
            assert.equal(server.multiplayer.hub.get(name), undefined, 'never opened')
        } finally {
            release()
            store.updateRoom = updateRoom
        }
    })
})

test('chat history survives a restart', async () => {
    const first = await startMultiplayerServer()
    const dataDir = first.dataDir
    let roomName: string
    try {
        const host = await hostRoom(first)
        roomName = host.name
        host.client.chat('persist me')
        await host.client.next((e) => e.type === 'addChatMessage' && e.message.userId === host.profile.id)
        await host.client.close()
    } finally {
        await first.app.close()
    }
    const second = await startMultiplayerServer({}, { dataDir })
    try {
        const stored = await second.app.store.listChatMessages(roomName!, { limit: 50 })
        assert.ok(stored.some((m) => m.value === 'persist me'))
    } finally {
        await second.close()
    }
})
