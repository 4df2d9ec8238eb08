// A long-running bot's buffers stay bounded: the event log, the stream backlog of a reader that is
// behind and the model's chat are capped (oldest dropped first), and waiting for events still works.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { RoomClient } from '../../client/index.js'
import { hostRoom, startMultiplayerServer, type MultiplayerServer } from '../helpers/multiplayer.js'
import { join, makeProfile, signedAuthenticate } from '../helpers/sonolus.js'

let server: MultiplayerServer
before(async () => (server = await startMultiplayerServer()))
after(() => server.close())

test('maxEvents and maxChat cap what a client keeps', async () => {
    const host = await hostRoom(server)
    const bot = await signedAuthenticate(server, makeProfile('Bounded Bot'))
    const answer = await join(server, host.name, bot.profile, { session: bot.session })
    let frames = 0
    const client = await RoomClient.connect(answer, { userId: bot.profile.id, maxEvents: 3, maxChat: 2, onFrame: () => void frames++ })
    await client.nextOf('update')
    let last = 0
    // Within the engine's chat burst (5), so every line is echoed.
    for (let i = 0; i < 5; i++) last = client.chat(`line ${i}`)
    await client.next((e) => e.type === 'addChatMessage' && e.nonce === last)
    assert.equal(client.fatal, undefined)
    assert.deepEqual(
        client.received.map((e) => (e.type === 'addChatMessage' ? e.message.value : e.type)),
        ['line 2', 'line 3', 'line 4'],
    )
    assert.deepEqual(
        client.model.chat.map((c) => c.message.value),
        ['line 3', 'line 4'],
    )
    // Nobody read events(): its backlog kept the latest 3 and counted the rest (the update, the join notice,
    // the first lines) as dropped.
    assert.equal(client.droppedEvents, frames - 3)
    assert.ok(frames >= 7, `${frames} frames`)
    const backlog: unknown[] = []
    const stream = client.events()
    for (let i = 0; i < 3; i++) {
        const { value } = await stream.next()
        backlog.push(value?.type === 'addChatMessage' ? value.message.value : value?.type)
    }
    assert.deepEqual(backlog, ['line 2', 'line 3', 'line 4'])
    // Later events still reach a waiting reader.
    const next = client.next((e) => e.type === 'addChatMessage' && e.message.value === 'after the cap')
    host.client.chat('after the cap')
    await next
    await client.close()
    await host.client.close()
})
