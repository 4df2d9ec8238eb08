// The REST reads of what rooms leave behind: chat history (cursor pages, newest first) and round
// results, after a restart too; errors as {"error": ...}.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { hostRoom, joinPlayer, startMultiplayerServer } from '../helpers/multiplayer.js'
import { signedAuthenticate, makeProfile } from '../helpers/sonolus.js'

test('chat history is readable through the API after a restart, page by page', async () => {
    const first = await startMultiplayerServer()
    const { dataDir } = first
    let room: string
    let session: string
    try {
        const host = await hostRoom(first)
        room = host.name
        const guest = await joinPlayer(first, room, 'Guest')
        for (let i = 0; i < 4; i++) {
            const nonce = guest.client.chat(`line ${i}`)
            await guest.client.next((e) => e.type === 'addChatMessage' && e.nonce === nonce)
        }
        await guest.client.close()
        await host.client.close()
    } finally {
        await first.app.close()
    }
    const second = await startMultiplayerServer({}, { dataDir })
    try {
        session = (await signedAuthenticate(second, makeProfile('Reader'))).session
        // Walk every page of 3, newest first, following the cursor.
        const all: { id: number; user_id: string | null; value: string }[] = []
        let before: number | null = null
        let pages = 0
        do {
            const page: { status: number; body: any } = await second.request('GET', `/api/rooms/${room!}/chat`, {
                headers: { authorization: pages % 2 ? `Bearer ${session}` : session },
                query: before === null ? { limit: 3 } : { limit: 3, before },
            })
            assert.equal(page.status, 200)
            assert.ok(page.body.messages.length <= 3)
            all.push(...page.body.messages)
            before = page.body.next_before
            pages++
        } while (before !== null)
        assert.ok(pages >= 3)
        const ids = all.map((m) => m.id)
        assert.deepEqual(
            ids,
            [...ids].sort((a, b) => b - a),
            'newest first, no repeats',
        )
        assert.equal(new Set(ids).size, ids.length)
        assert.deepEqual(
            all.filter((m) => m.user_id !== null).map((m) => m.value),
            ['line 3', 'line 2', 'line 1', 'line 0'],
        )
        assert.ok(
            all.some((m) => m.user_id === null && /joined/.test(m.value)),
            'system lines are kept',
        )
    } finally {
        await second.close()
    }
})

test('API errors: 401 without or with a bad token, 404 for an unknown room, 400 for a bad cursor', async () => {
    const server = await startMultiplayerServer()
    try {
        const { session } = await signedAuthenticate(server, makeProfile('Reader'))
        const none = await server.request('GET', '/api/rooms/whatever/chat')
        assert.deepEqual([none.status, none.body], [401, { error: 'unauthorized' }])
        const bad = await server.request('GET', '/api/rooms/whatever/chat', { headers: { authorization: 'x'.repeat(43) } })
        assert.deepEqual([bad.status, bad.body], [401, { error: 'unauthorized' }])
        const missing = await server.request('GET', '/api/rooms/nosuchroom/results', { headers: { authorization: session } })
        assert.deepEqual([missing.status, missing.body], [404, { error: 'room not found' }])
        const cursor = await server.request('GET', '/api/rooms/nosuchroom/chat', { headers: { authorization: session }, query: { before: 'abc' } })
        assert.equal(cursor.status, 400)
        assert.equal(typeof cursor.body.error, 'string')
        assert.doesNotMatch(cursor.text, /at .*\.js/)
    } finally {
        await server.close()
    }
})

test("a private room's history is hidden from players who have not unlocked it", async () => {
    const server = await startMultiplayerServer()
    try {
        const host = await hostRoom(server, { password: 'secret' })
        await host.client.close()
        const { session } = await signedAuthenticate(server, makeProfile('Stranger'))
        const res = await server.request('GET', `/api/rooms/${host.name}/chat`, { headers: { authorization: session } })
        assert.deepEqual([res.status, res.body], [404, { error: 'room not found' }])
        const own = await server.request('GET', `/api/rooms/${host.name}/chat`, { headers: { authorization: host.session } })
        assert.equal(own.status, 200)
    } finally {
        await server.close()
    }
})
