// Frames leave once the writes they reveal are on disk: the room's chat lines, results and the spent
// join session go through the SQLite group commit, and the gateway releases a turn's frames only from
// Store.afterCommit. Held commits (a checkpoint finishing) hold the frames with them.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { connect as netConnect } from 'node:net'
import { after, before, describe, test } from 'node:test'
import Database from 'better-sqlite3'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { hostRoom, joinPlayer, startMultiplayerServer, type MultiplayerServer } from '../helpers/multiplayer.js'
import { join, makeProfile, signedAuthenticate } from '../helpers/sonolus.js'
import { SseClient } from '../helpers/sse.js'

describe('commit point: no frame reveals a write before it committed', () => {
    let server: MultiplayerServer
    let store: SqliteStore
    let reader: Database.Database
    before(async () => {
        server = await startMultiplayerServer(
            {},
            { store: (config) => (store = new SqliteStore({ path: (config.database as { path: string }).path, checkpointThread: false })) },
        )
        reader = new Database((server.config.database as { path: string }).path, { readonly: true })
    })
    after(async () => {
        reader.close()
        await server.close()
    })

    const lines = (room: string, value: string) =>
        (reader.prepare('SELECT count(*) AS n FROM chat_messages WHERE room_name = ? AND value = ?').get(room, value) as { n: number }).n

    test('a chat line is echoed to nobody while its commit is held, and to everyone once it is on disk', async () => {
        const host = await hostRoom(server)
        const guest = await joinPlayer(server, host.name, 'Guest')
        const isLine = (event: { type: string; message?: { value?: string } }) =>
            event.type === 'addChatMessage' && event.message?.value === 'held line'

        // The room's REST event feed too (GET /api/rooms/{name}/events): it shows the line once stored.
        const feed = await SseClient.open(`${server.base}/api/rooms/${host.name}/events`)
        const isFeedLine = (data: { type: string; value?: string }) => data.type === 'chat' && data.value === 'held line'

        store.commits.hold()
        try {
            host.client.chat('held line')
            await assert.rejects(guest.client.next(isLine, 300), /timed out/)
            await assert.rejects(host.client.next(isLine, 10), /timed out/, 'not even the echo to its author')
            await assert.rejects(feed.next(isFeedLine, 10), /timed out/, 'nor the event feed')
            assert.equal(lines(host.name, 'held line'), 0)
        } finally {
            store.commits.resume()
        }
        await guest.client.next(isLine)
        assert.equal(lines(host.name, 'held line'), 1, 'on disk before the frame left')
        await host.client.next(isLine)
        await feed.next(isFeedLine)
        feed.close()
        await guest.client.close()
        await host.client.close()
    })

    test("a turn's frames to a player leave in one write after the commit, and a close made in that turn follows them", async () => {
        const host = await hostRoom(server)
        const guest = await signedAuthenticate(server, makeProfile('Watcher'))
        const answer = await join(server, host.name, guest.profile, { session: guest.session })
        // A bare TCP player, to see what the server writes and in how many pieces.
        const { hostname, port, pathname } = new URL(answer.url)
        const socket = netConnect(Number(port), hostname.replace(/^\[|\]$/g, ''))
        let chunks: Buffer[] = []
        socket.on('data', (chunk: Buffer) => chunks.push(chunk))
        await once(socket, 'connect')
        socket.write(
            `GET ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
                `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSonolus-Room-Session: ${answer.session}\r\n\r\n`,
        )
        while (!Buffer.concat(chunks).includes('joined the room')) await once(socket, 'data')
        await new Promise((resolve) => setTimeout(resolve, 100))
        chunks = []

        const room = server.multiplayer.hub.get(host.name)!
        store.commits.hold()
        try {
            // One turn: a chat line (stored), a system line, then the room closes.
            assert.equal(room.postChat({ userId: 'outsider', name: 'Bot' }, 'last words').ok, true)
            room.announce('server.shutdown')
            room.close(4005)
            await new Promise((resolve) => setTimeout(resolve, 300))
            assert.equal(chunks.length, 0, 'nothing written while the commit is held, not even the close')
        } finally {
            store.commits.resume()
        }
        const closed = once(socket, 'close')
        await closed
        const bytes = Buffer.concat(chunks)
        // Server frames are unmasked: FIN+opcode, a 7-bit length or 126 and a 16-bit one, the payload.
        const frames: { opcode: number; payload: Buffer }[] = []
        for (let at = 0; at < bytes.length;) {
            const short = bytes[at + 1]! & 0x7f
            assert.ok(short <= 126, 'frames under 64 KB')
            const [length, start] = short === 126 ? [bytes.readUInt16BE(at + 2), at + 4] : [short, at + 2]
            frames.push({ opcode: bytes[at]! & 0x0f, payload: bytes.subarray(start, start + length) })
            at = start + length
        }
        assert.deepEqual(
            frames.map((f) => f.opcode),
            [1, 1, 8],
            'the two events as text frames, then the close',
        )
        assert.ok(frames[0]!.payload.toString().includes('Bot: last words'))
        assert.ok(frames[1]!.payload.toString().includes('"userId":null'))
        assert.equal(frames[2]!.payload.readUInt16BE(0), 4005)
        // The two events came in one write (here: one read), the close behind them.
        assert.ok(chunks[0]!.includes('Bot: last words') && chunks[0]!.includes('"userId":null'), 'both events in the first read')
        socket.destroy()
        await host.client.closed
    })

    test("a joiner's 101 answer and first UpdateEvent leave together, after its join session's delete committed", async () => {
        const host = await hostRoom(server)
        const guest = await signedAuthenticate(server, makeProfile('Late'))
        const answer = await join(server, host.name, guest.profile, { session: guest.session })
        const sessions = () => (reader.prepare('SELECT count(*) AS n FROM join_sessions WHERE room_name = ?').get(host.name) as { n: number }).n
        assert.equal(sessions(), 1)
        // A bare TCP upgrade, to see what the server writes and in how many pieces.
        const { hostname, port, pathname } = new URL(answer.url)
        const socket = netConnect(Number(port), hostname.replace(/^\[|\]$/g, ''))
        const chunks: Buffer[] = []
        socket.on('data', (chunk: Buffer) => chunks.push(chunk))
        await once(socket, 'connect')
        store.commits.hold()
        try {
            socket.write(
                `GET ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
                    `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSonolus-Room-Session: ${answer.session}\r\n\r\n`,
            )
            // The session is taken at once; its delete, the 101 answer and the first frame wait for the commit.
            await new Promise((resolve) => setTimeout(resolve, 300))
            assert.equal(chunks.length, 0, 'nothing written while the commit is held')
            assert.equal(sessions(), 1)
        } finally {
            store.commits.resume()
        }
        while (!Buffer.concat(chunks).includes('{"type":"update"')) await once(socket, 'data')
        assert.equal(sessions(), 0, 'spent on disk before the first frame left')
        // The 101 and the UpdateEvent's text frame came in one write (here: one read).
        const first = chunks[0]!
        const end = first.indexOf('\r\n\r\n')
        assert.match(first.subarray(0, end).toString('latin1'), /^HTTP\/1\.1 101 /)
        assert.equal(first[end + 4], 0x81, 'a text frame right behind the answer')
        assert.ok(first.includes('{"type":"update"'), 'the UpdateEvent in the same read')
        socket.destroy()
        await host.client.close()
    })
})
