// Graceful shutdown of `node dist/src/main.js`: on SIGTERM every room is told in chat (in each
// player's language), sockets close with 1001, /readyz stops answering ready, the store is flushed and
// closed (its WAL checkpointed away, the chat kept) and the process exits 0. A second signal during the
// shutdown forces the exit.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import Database from 'better-sqlite3'
import { roomUserReader, WireClient } from '../wire/raw-client.js'
import { startServerProcess } from '../wire/server-process.js'
import { makeKeys, makeProfile, SonolusHttp } from '../wire/sonolus-http.js'

const keys = makeKeys()

async function roomWithTwo(address: string) {
    const http = new SonolusHttp(address, keys)
    const host = makeProfile('Host')
    const guest = makeProfile('Guest')
    const hostSession = await http.signIn(host)
    const guestSession = await http.signIn(guest)
    const { name, key } = await http.createRoom(hostSession)
    const read = roomUserReader(keys.publicJwk, address, name)
    const hostClient = await WireClient.connect('host', await http.joinRoom(name, host, { session: hostSession, key }), host.id, read)
    await hostClient.nextOf('update')
    const guestClient = await WireClient.connect(
        'guest',
        await http.joinRoom(name, guest, { session: guestSession, query: { localization: 'ja' } }),
        guest.id,
        read,
    )
    await guestClient.nextOf('update')
    return { name, hostClient, guestClient }
}

test('SIGTERM: rooms told in chat, sockets closed with 1001, store flushed, exit 0', async () => {
    const server = await startServerProcess(keys.publicJwk, { ENSEMBLE_LOG_LEVEL: 'info' })
    try {
        const { name, hostClient, guestClient } = await roomWithTwo(server.address)
        hostClient.send({ type: 'addChatMessage', nonce: 1, message: { userId: null, type: 'text', value: 'last words' } })
        await guestClient.next((e) => e.type === 'addChatMessage' && e.message.value === 'last words', 'the chat line')

        const hostNotice = hostClient.next(
            (e) => e.type === 'addChatMessage' && e.message.userId === null && /restarting/.test(e.message.value),
            'the English notice',
        )
        const guestNotice = guestClient.next(
            (e) => e.type === 'addChatMessage' && e.message.userId === null && /再起動/.test(e.message.value),
            'the Japanese notice',
        )
        server.kill('SIGTERM')
        await Promise.all([hostNotice, guestNotice])
        assert.equal((await hostClient.closed).code, 1001)
        assert.equal((await guestClient.closed).code, 1001)
        assert.equal(await server.exited, 0, server.output())
        assert.match(server.output(), /closing every room/)

        // Flushed and closed: no WAL left behind, the chat line and both sign-ins are there.
        const file = join(server.dataDir, 'ensemble.sqlite')
        assert.equal(existsSync(`${file}-wal`), false, 'the WAL was checkpointed and removed on close')
        const db = new Database(file, { readonly: true })
        try {
            const chat = db.prepare('SELECT value FROM chat_messages WHERE room_name = ?').all(name) as { value: string }[]
            assert.ok(chat.some((c) => c.value === 'last words'))
            assert.equal((db.prepare('SELECT count(*) AS n FROM sessions').get() as { n: number }).n, 2)
        } finally {
            db.close()
        }
    } finally {
        await server.stop()
    }
})

test('a second signal during the shutdown forces the exit', async () => {
    const server = await startServerProcess(keys.publicJwk, { ENSEMBLE_LOG_LEVEL: 'info' })
    try {
        const { hostClient, guestClient } = await roomWithTwo(server.address)
        // Two different signals: the same one twice may be merged into one by the kernel.
        server.kill('SIGTERM')
        server.kill('SIGINT')
        assert.equal(await server.exited, 1, server.output())
        assert.match(server.output(), /(SIGINT|SIGTERM) again: exiting now/)
        await Promise.all([hostClient.closed, guestClient.closed])
    } finally {
        await server.stop()
    }
})
