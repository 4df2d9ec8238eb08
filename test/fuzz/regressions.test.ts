// Bugs the fuzz tests found, each pinned by the smallest request that showed it.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { startTestServer, type TestServer } from '../helpers/server.js'
import WebSocket from 'ws'
import { CloseCode } from '../../src/rooms/close-codes.js'
import { hostRoom, startMultiplayerServer } from '../helpers/multiplayer.js'
import { createAndJoin, join, makeProfile, signedAuthenticate } from '../helpers/sonolus.js'

let server: TestServer
before(async () => (server = await startTestServer()))
after(() => server?.close())

test('a malformed URL under /api/ is refused in the REST error shape, not as a Sonolus ServerMessage', async () => {
    for (const path of ['/api/rooms/%', '/api/docs/%', '/api/rooms/%E0%A4%A/chat']) {
        const res = await fetch(server.origin + path)
        assert.equal(res.status, 400, path)
        const body = (await res.json()) as Record<string, unknown>
        assert.equal(typeof body.error, 'string', `${path}: ${JSON.stringify(body)}`)
        assert.equal(res.headers.get('sonolus-version') !== null, true)
    }
    // Outside the API the same mistake stays a ServerMessage.
    const res = await fetch(`${server.origin}/sonolus/rooms/%`)
    assert.equal(res.status, 400)
    assert.equal(typeof ((await res.json()) as { message?: unknown }).message, 'string')
})

test('a NUL in the URL is a 400 in the shape of its API (PostgreSQL refused it in the room lookup: a 500)', async () => {
    const api = await fetch(`${server.origin}/api/rooms/%00`)
    assert.equal(api.status, 400)
    assert.equal(typeof ((await api.json()) as { error?: unknown }).error, 'string')
    // The docs pages are registered outside the API plugin, but they are the API's too (fuzz seed 808564094).
    for (const path of ['/api/docs?limit=a%00b', '/api/docs/json?x=%00']) {
        const docs = await fetch(`${server.origin}${path}`)
        assert.equal(docs.status, 400, path)
        assert.equal(typeof ((await docs.json()) as { error?: unknown }).error, 'string', path)
    }
    const sonolus = await fetch(`${server.origin}/sonolus/rooms/%00`)
    assert.equal(sonolus.status, 400)
    assert.equal(typeof ((await sonolus.json()) as { message?: unknown }).message, 'string')
})

test('ids and cursors beyond what a store holds are a 400 (1e309 reached PostgreSQL as Infinity: a 500)', async () => {
    const adminToken = 'admin-token-for-the-id-bound-test'
    const server = await startTestServer({ config: { adminToken } })
    after(() => server.close())
    const admin = { authorization: `Bearer ${adminToken}` }
    const cases: [string, RequestInit][] = [
        ['/api/admin/reports/1e309/resolve', { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: '{"note":"x"}' }],
        ['/api/admin/audit?before=99999999999999999999', { headers: admin }],
        ['/api/rooms?cursor=99999999999999999999_1', {}],
    ]
    for (const [path, init] of cases) {
        const res = await fetch(`${server.origin}${path}`, init)
        assert.equal(res.status, 400, path)
        assert.equal(typeof ((await res.json()) as { error?: unknown }).error, 'string', path)
    }
})

test('a NUL in a JSON body is a 400, over HTTP; a chat line with one over WebSocket is ignored (PostgreSQL refused it: a 500, a lost line)', async () => {
    const adminToken = 'admin-token-for-the-nul-test'
    const mp = await startMultiplayerServer({ adminToken })
    try {
        const ban = await fetch(`${mp.origin}/api/admin/bans`, {
            method: 'POST',
            headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
            body: JSON.stringify({ user_id: 'a\u0000b', duration: '7d' }),
        })
        assert.equal(ban.status, 400)
        assert.match(((await ban.json()) as { error: string }).error, /NUL/)
        const host = await hostRoom(mp)
        host.client.sendRaw({ type: 'addChatMessage', nonce: 9999, message: { userId: host.client.userId, type: 'text', value: 'a\u0000b' } })
        host.client.chat('clean')
        const lines: string[] = []
        while (!lines.includes('clean')) lines.push(((await host.client.nextOf('addChatMessage')) as { message: { value: string } }).message.value)
        assert.ok(!lines.some((line) => line.includes('\u0000')))
        const stored = await mp.app.store.listChatMessages(host.name, { limit: 10 })
        assert.deepEqual(
            stored.filter((m) => m.userId === host.profile.id).map((m) => m.value),
            ['clean'],
        )
    } finally {
        await mp.close()
    }
})

test('the API docs page is reached from static/index.html with a query string (it redirected to itself forever)', async () => {
    const res = await fetch(`${server.origin}/api/docs/static/index.html?x=1`, { redirect: 'manual' })
    assert.equal(res.status, 302)
    assert.equal(res.headers.get('location'), '/api/docs/')
    const followed = await fetch(`${server.origin}/api/docs/static/index.html?x=1`)
    assert.equal(followed.status, 200)
    assert.match(await followed.text(), /swagger/i)
})

test('HEAD of a room event stream answers at once instead of hanging with no headers', async () => {
    const { name } = await createAndJoin(server)
    const abort = AbortSignal.timeout(2000)
    const res = await fetch(`${server.origin}/api/rooms/${name}/events`, { method: 'HEAD', signal: abort })
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/)
    assert.equal(await res.text(), '')
    // The stream itself still streams.
    const stream = await fetch(`${server.origin}/api/rooms/${name}/events`, { signal: AbortSignal.timeout(2000) })
    assert.equal(stream.status, 200)
    const reader = stream.body!.getReader()
    assert.match(new TextDecoder().decode((await reader.read()).value), /^retry: /)
    await reader.cancel()
})

test('a socket closed for flooding that then sends a frame over the size limit still gets its close code, not 1006', async () => {
    const mp = await startMultiplayerServer({ wsMaxPayload: 16 * 1024 })
    try {
        const host = await hostRoom(mp)
        for (let attempt = 0; attempt < 8; attempt++) {
            const { profile, session } = await signedAuthenticate(mp, makeProfile('Flooder'))
            const answer = await join(mp, host.name, profile, { session })
            const ws = new WebSocket(answer.url, { headers: { 'Sonolus-Room-Session': answer.session } })
            ws.on('error', () => {})
            const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
            await new Promise((resolve) => ws.once('open', resolve))
            const chat = JSON.stringify({ type: 'addChatMessage', nonce: 'n', message: { type: 'text', value: 'hi' } })
            for (const type of ['updateMaster', 'updateUserStatus', 'clearSuggestions', 'startGameplay'])
                ws.send(JSON.stringify({ type, userId: 'nobody', status: 'ready' }))
            for (let i = 0; i < 400 && ws.readyState === WebSocket.OPEN; i++) ws.send(chat)
            if (ws.readyState === WebSocket.OPEN) ws.send('x'.repeat(16 * 1024 + 1))
            if (ws.readyState === WebSocket.OPEN) ws.send(chat)
            const code = await closed
            assert.ok(code === CloseCode.flood || code === CloseCode.tooBig, `closed with ${code}`)
        }
        assert.equal((await fetch(`${mp.origin}/healthz`)).status, 200)
    } finally {
        await mp.close()
    }
})
