// Frames leave once the writes they reveal are on disk: the room's chat lines, results and the spent
// join session go through the SQLite group commit, and the gateway releases a turn's frames only from
// Store.afterCommit. Held commits (a checkpoint finishing) hold the frames with them.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import Database from 'better-sqlite3'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { connect, hostRoom, joinPlayer, startMultiplayerServer, type MultiplayerServer } from '../helpers/multiplayer.js'
import { join, makeProfile, signedAuthenticate } from '../helpers/sonolus.js'

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

        store.commits.hold()
        try {
            host.client.chat('held line')
            await assert.rejects(guest.client.next(isLine, 300), /timed out/)
            await assert.rejects(host.client.next(isLine, 10), /timed out/, 'not even the echo to its author')
            assert.equal(lines(host.name, 'held line'), 0)
        } finally {
            store.commits.resume()
        }
        await guest.client.next(isLine)
        assert.equal(lines(host.name, 'held line'), 1, 'on disk before the frame left')
        await host.client.next(isLine)
        await guest.client.close()
        await host.client.close()
    })

    test("a joiner's first UpdateEvent leaves after its join session's delete committed", async () => {
        const host = await hostRoom(server)
        const guest = await signedAuthenticate(server, makeProfile('Late'))
        const answer = await join(server, host.name, guest.profile, { session: guest.session })
        const sessions = () => (reader.prepare('SELECT count(*) AS n FROM join_sessions WHERE room_name = ?').get(host.name) as { n: number }).n
        assert.equal(sessions(), 1)
        store.commits.hold()
        let client: Awaited<ReturnType<typeof connect>> | undefined
        try {
            // The upgrade is answered (101) and the session taken; its delete and the first frame wait.
            client = await connect(server, host.name, answer, guest.profile)
            await assert.rejects(client.nextOf('update', 300), /timed out/)
            assert.equal(sessions(), 1)
        } finally {
            store.commits.resume()
        }
        await client!.nextOf('update')
        assert.equal(sessions(), 0, 'spent on disk before the first frame left')
        await client!.close()
        await host.client.close()
    })
})
