// The gateway with real servers and real sockets: the upgrade is authenticated before any socket
// exists, and hostile frames never hurt the server or honest players.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { WebSocket } from 'ws'
import { RoomClient } from '../../client/index.js'
import { sampleResult } from '../helpers/gameplay.js'
import { converge, hostRoom, joinPlayer, startMultiplayerServer, type MultiplayerServer } from '../helpers/multiplayer.js'
import { join, makeProfile, signedAuthenticate } from '../helpers/sonolus.js'

/** Opens a raw upgrade and reports the HTTP status the server answered with (101 when accepted). */
function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
    return new Promise((resolve, reject) => {
        const ws = new WebSocket(url, { headers })
        ws.once('open', () => {
            ws.close()
            resolve(101)
        })
        ws.once('unexpected-response', (_req, res) => {
            resolve(res.statusCode ?? 0)
            ws.terminate()
        })
        ws.once('error', reject)
    })
}

describe('websocket upgrade', () => {
    let server: MultiplayerServer
    before(async () => (server = await startMultiplayerServer()))
    after(() => server.close())

    test('a valid join session upgrades once; reusing it is refused', async () => {
        const host = await hostRoom(server)
        const guest = await signedAuthenticate(server, makeProfile('Guest'))
        const answer = await join(server, host.name, guest.profile, { session: guest.session })
        assert.equal(await upgradeStatus(answer.url, { 'Sonolus-Room-Session': answer.session }), 101)
        assert.equal(await upgradeStatus(answer.url, { 'Sonolus-Room-Session': answer.session }), 401)
        await host.client.close()
    })

    test('missing, unknown or other-room sessions are refused before the upgrade', async () => {
        const host = await hostRoom(server)
        const other = await hostRoom(server)
        const guest = await signedAuthenticate(server, makeProfile('Guest'))
        const answer = await join(server, host.name, guest.profile, { session: guest.session })
        assert.equal(await upgradeStatus(answer.url, {}), 401)
        assert.equal(await upgradeStatus(answer.url, { 'Sonolus-Room-Session': 'x'.repeat(43) }), 401)
        const otherUrl = answer.url.replace(host.name, other.name)
        assert.equal(await upgradeStatus(otherUrl, { 'Sonolus-Room-Session': answer.session }), 401)
        // The refused attempt consumed nothing it should not have: the session was used by the other-room try.
        const wrongPath = answer.url.replace('/multiplayer/rooms/', '/multiplayer/nope/')
        const fresh = await join(server, host.name, guest.profile, { session: guest.session })
        assert.equal(await upgradeStatus(wrongPath, { 'Sonolus-Room-Session': fresh.session }), 404)
        await host.client.close()
        await other.client.close()
    })

    test('garbage, binary, unknown and malformed commands are ignored; honest players are unaffected', async () => {
        const host = await hostRoom(server)
        const guest = await joinPlayer(server, host.name, 'Guest')
        const hostile = [
            'not json',
            '{"type":',
            'null',
            '42',
            '[]',
            '{}',
            '{"type":"noSuchCommand"}',
            '{"type":"addChatMessage"}',
            '{"type":"addChatMessage","nonce":"x","message":{"type":"text","value":5}}',
            '{"type":"updateLevel","level":{"address":1}}',
            '{"type":"removeUser","userId":{"$gt":""}}',
            '{"type":"updateStatus","status":"playing"}',
            '{"type":"finishGameplay","state":"stale","result":{}}',
            JSON.stringify({ type: 'addSuggestion', level: { address: 'a'.repeat(5000), name: 'b' } }),
        ]
        for (const frame of hostile) guest.client.sendRaw(frame)
        ;(guest.client as unknown as { ws: WebSocket }).ws.send(Buffer.from([0, 1, 2, 3]), { binary: true })
        const nonce = host.client.chat('still here')
        const echo = await host.client.next((e) => e.type === 'addChatMessage' && e.nonce === nonce)
        assert.equal(echo.type, 'addChatMessage')
        await converge(server, host.name, [host.client, guest.client])
        assert.equal(guest.client.isOpen, true)
        assert.equal(host.client.fatal, undefined)
        assert.equal(guest.client.fatal, undefined)
        await guest.client.close()
        await host.client.close()
    })

    test('a frame over the size limit closes only that socket (1009)', async () => {
        const host = await hostRoom(server)
        const guest = await joinPlayer(server, host.name, 'Big')
        guest.client.sendRaw('x'.repeat(server.config.wsMaxPayload + 1))
        const closed = await guest.client.closed
        assert.equal(closed.code, 1009)
        assert.equal(host.client.isOpen, true)
        await host.client.close()
    })

    test('a flooding client is cut off with 4003; the room goes on', async () => {
        const host = await hostRoom(server)
        const flooder = await joinPlayer(server, host.name, 'Flooder')
        for (let i = 0; i < 2000; i++) flooder.client.sendRaw('{"type":"updateStatus","status":"playing"}')
        const closed = await flooder.client.closed
        assert.equal(closed.code, 4003)
        const nonce = host.client.chat('after the flood')
        await host.client.next((e) => e.type === 'addChatMessage' && e.nonce === nonce)
        assert.equal(host.client.fatal, undefined)
        await host.client.close()
    })

    test('over the rate, a finishGameplay still gets through and dropped commands are healed by a resync', async () => {
        const host = await hostRoom(server)
        const busy = await joinPlayer(server, host.name, 'Busy')
        // 60 messages at once: the burst is 40, so the last ones are dropped by the transport.
        for (let i = 0; i < 60; i++) busy.client.chat(`spam ${i}`)
        busy.client.finishGameplay('no-such-round', sampleResult(1, 1))
        // The app waits for an UpdateEvent after gameplay: it must come although the client is over the rate.
        await busy.client.nextOf('update', 3000)
        await converge(server, host.name, [host.client, busy.client], 5000)
        assert.equal(busy.client.isOpen, true)
        await busy.client.close()
        await host.client.close()
    })

    test('a client that stops answering pings is dropped by the heartbeat', async () => {
        const hb = await startMultiplayerServer({ heartbeatIntervalMs: 100, reconnectGraceMs: 60_000 })
        try {
            const host = await hostRoom(hb)
            const guest = await joinPlayer(hb, host.name, 'Sleepy')
            // Stop the client from answering pings: ws answers automatically, so silence the socket.
            const raw = guest.client as unknown as { ws: WebSocket & { _socket: { pause(): void } } }
            raw.ws._socket.pause()
            const start = Date.now()
            while (hb.multiplayer.gateway.connections > 1 && Date.now() - start < 3000) {
                await new Promise((resolve) => setTimeout(resolve, 20))
            }
            assert.equal(hb.multiplayer.gateway.connections, 1)
            // Dropped, not removed: the seat is kept for the grace period.
            assert.equal(hb.multiplayer.hub.isMember(host.name, guest.profile.id), true)
            guest.client.drop()
            await host.client.close()
        } finally {
            await hb.close()
        }
    })

    test('a client that reads nothing is cut off once its send buffer passes the bound', async () => {
        const slow = await startMultiplayerServer({ maxBufferedBytes: 64 * 1024 })
        try {
            const host = await hostRoom(slow)
            const reader = await joinPlayer(slow, host.name, 'Reader')
            const fillers = []
            for (let i = 0; i < 12; i++) fillers.push(await joinPlayer(slow, host.name, `Filler ${i}`))
            const raw = reader.client as unknown as { ws: WebSocket & { _socket: { pause(): void } } }
            raw.ws._socket.pause()
            // Each return of a player with a fresh signed join sends everyone the whole users list
            // (UpdateUsersEvent, ~12 KB here): a steady stream into the reader's unread socket.
            const room = slow.multiplayer.hub.get(host.name)!
            // Every filler churns at once: the kernel's loopback buffers take megabytes before ws buffers
            // anything, and one churner at a time could take longer than the test on a busy machine.
            const start = Date.now()
            const clients = await Promise.all(
                fillers.map(async (filler) => {
                    let client = filler.client
                    while (room.isConnected(reader.profile.id) && Date.now() - start < 60_000) {
                        const answer = await join(slow, host.name, filler.profile, { session: filler.session })
                        client = await RoomClient.connect(answer, { userId: filler.profile.id })
                        await client.nextOf('update')
                    }
                    return client
                }),
            )
            assert.equal(room.isConnected(reader.profile.id), false, 'the slow reader was cut off')
            assert.equal(room.isMember(reader.profile.id), true, 'and keeps the seat for the grace period')
            assert.equal(host.client.fatal, undefined)
            await converge(slow, host.name, [host.client, ...clients])
            reader.client.drop()
        } finally {
            await slow.close()
        }
    })
})

describe('client library', () => {
    test('refused joins reject with the HTTP status', async () => {
        const server = await startMultiplayerServer()
        try {
            const host = await hostRoom(server)
            const guest = await signedAuthenticate(server, makeProfile('Guest'))
            const answer = await join(server, host.name, guest.profile, { session: guest.session })
            await RoomClient.connect(answer, { userId: guest.profile.id }).then((c) => c.close())
            await assert.rejects(RoomClient.connect(answer, { userId: guest.profile.id }), /HTTP 401/)
            await host.client.close()
        } finally {
            await server.close()
        }
    })
})
