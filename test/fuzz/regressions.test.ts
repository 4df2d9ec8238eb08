// Bugs the fuzz tests found, each pinned by the smallest request that showed it.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { createAndJoin } from '../helpers/sonolus.js'

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
