// The web page's server side without a browser: the page and its base path, sign-in with Sonolus
// (every refusal of the signed body, replay, the browser-bound pickup), the cookie session in the REST
// API with its CSRF guard, sign-out, and public room details without a token.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { makeProfile, postSigned, sign, signedAuthenticate } from '../helpers/sonolus.js'

const cookieIn = (res: { headers: Headers }, name: string) => res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`))
const valueOf = (setCookie: string | undefined) => (setCookie ?? '').split(';')[0]!

async function startLogin(server: TestServer) {
    const res = await server.request('POST', '/web/logins', { headers: { 'x-ensemble-csrf': '1' } })
    assert.equal(res.status, 200, res.text)
    const loginCookie = cookieIn(res, 'ensemble_login')
    assert.match(loginCookie ?? '', /HttpOnly; SameSite=Lax/)
    return { ...(res.body as { id: string; url: string; link: string; qr: string }), cookie: valueOf(loginCookie) }
}

test('the page is served at / and under a base path, with its assets and a strict CSP', async () => {
    const server = await startTestServer()
    try {
        const page = await fetch(`${server.base}/`)
        assert.equal(page.status, 200)
        assert.match(await page.text(), /<base href="\/">/)
        assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/)
        assert.equal((await fetch(`${server.base}/rooms/anything`)).status, 200)
        const script = await fetch(`${server.base}/assets/main.js`)
        assert.equal(script.status, 200)
        assert.match(script.headers.get('content-type') ?? '', /javascript/)
        assert.equal((await fetch(`${server.base}/assets/nope.js`)).status, 404)
        assert.equal((await fetch(`${server.base}/assets/..%2Fpackage.json`)).status, 404)
    } finally {
        await server.close()
    }
    const prefixed = await startTestServer({ config: { basePath: '/ensemble' } })
    try {
        for (const path of ['/ensemble', '/ensemble/', '/ensemble/rooms/abc']) {
            const res = await fetch(`${prefixed.origin}${path}`)
            assert.equal(res.status, 200, path)
            assert.match(await res.text(), /<base href="\/ensemble\/">/)
        }
        assert.equal((await fetch(`${prefixed.origin}/ensemble/assets/style.css`)).status, 200)
        const login = await startLogin(prefixed)
        assert.equal(login.url, `${prefixed.origin}/ensemble/web/logins/${login.id}`)
        assert.equal(login.link, `sonolus://external-login/127.0.0.1:${new URL(prefixed.origin).port}/ensemble/web/logins/${login.id}`)
    } finally {
        await prefixed.close()
    }
})

test('sign-in with Sonolus: checks the signed body, refuses replays and hands the session to its browser only', async () => {
    const server = await startTestServer()
    try {
        assert.equal((await server.request('POST', '/web/logins')).status, 403, 'no CSRF header')
        const login = await startLogin(server)
        assert.match(login.qr, /^data:image\/svg\+xml;base64,/)
        const path = new URL(login.url).pathname
        const poll = (cookie?: string) => server.request('GET', `/web/logins/${login.id}`, { headers: cookie ? { cookie } : {} })
        assert.deepEqual((await poll(login.cookie)).body, { status: 'pending' })
        assert.deepEqual((await poll()).body, { status: 'expired' }, 'another browser cannot pick it up')

        const profile = makeProfile('Webber')
        const body = (o: Record<string, unknown> = {}) =>
            JSON.stringify({ type: 'authenticateExternal', url: login.url, time: server.clock.now(), userProfile: profile, ...o })
        const other = await startLogin(server)
        const refusals: [string, string, string | null | undefined][] = [
            ['no signature', body(), null],
            ['bad signature', body(), sign('other bytes')],
            ['wrong type', body({ type: 'authenticateServer' }), undefined],
            ['bad body', body({ userProfile: { id: 1 } }), undefined],
            ['another endpoint', body({ url: other.url }), undefined],
            ['url with a suffix', body({ url: `${login.url}/` }), undefined],
            ['stale', body({ time: server.clock.now() - 10 * 60_000 }), undefined],
            ['future', body({ time: server.clock.now() + 10 * 60_000 }), undefined],
        ]
        for (const [what, text, signature] of refusals) {
            const res = await postSigned(server, path, text, { signature })
            assert.equal(res.status, 401, what)
            assert.equal(typeof res.body.message, 'string', what)
        }
        const ja = await postSigned(server, path, body({ url: other.url }), { query: { localization: 'ja' } })
        assert.match(ja.body.message, /サインイン/)
        assert.deepEqual((await poll(login.cookie)).body, { status: 'pending' })

        const good = body()
        const ok = await postSigned(server, path, good)
        assert.equal(ok.status, 200, ok.text)
        assert.equal((await postSigned(server, path, good)).status, 401, 'replayed')
        // A second, different signed body for the same link cannot sign anyone else in.
        assert.equal((await postSigned(server, path, body({ userProfile: makeProfile('Intruder') }))).status, 401)

        const done = await poll(login.cookie)
        assert.deepEqual(done.body, { status: 'done' })
        const sessionCookie = cookieIn(done, 'ensemble_session')
        assert.match(sessionCookie ?? '', /; Path=\/; HttpOnly; SameSite=Lax; Max-Age=604800$/)
        assert.deepEqual((await poll(login.cookie)).body, { status: 'expired' }, 'handed over once')
        const cookie = valueOf(sessionCookie)
        const me = await server.request('GET', '/web/me', { headers: { cookie } })
        assert.deepEqual(me.body, { user: { id: profile.id, handle: profile.handle, name: 'Webber' } })

        // The REST API accepts the cookie; state changes need the page's header and no foreign Origin.
        assert.equal((await server.request('GET', '/api/tokens', { headers: { cookie } })).status, 200)
        const noHeader = await server.request('POST', '/api/tokens', { headers: { cookie }, body: { name: 'bot' } })
        assert.deepEqual([noHeader.status, noHeader.body], [403, { error: 'cross-site request refused' }])
        const foreign = await server.request('POST', '/api/tokens', {
            headers: { cookie, 'x-ensemble-csrf': '1', origin: 'https://evil.example' },
            body: { name: 'bot' },
        })
        assert.equal(foreign.status, 403)
        const made = await server.request('POST', '/api/tokens', {
            headers: { cookie, 'x-ensemble-csrf': '1', origin: server.origin },
            body: { name: 'bot' },
        })
        assert.equal(made.status, 201, made.text)

        // Sign-out revokes the session: the cookie is worth nothing after it, even if kept.
        assert.equal((await server.request('POST', '/web/logout', { headers: { cookie } })).status, 403)
        assert.equal((await server.request('POST', '/web/logout', { headers: { cookie, 'x-ensemble-csrf': '1' } })).status, 200)
        assert.equal((await server.request('GET', '/api/tokens', { headers: { cookie } })).status, 401)
        // ...and reads as anonymous where a token is optional.
        assert.equal((await server.request('GET', '/api/rooms', { headers: { cookie } })).status, 200)
        assert.deepEqual((await server.request('GET', '/web/me', { headers: { cookie } })).body, { user: null })
    } finally {
        await server.close()
    }
})

test('a sign-in link expires after five minutes', async () => {
    const server = await startTestServer()
    try {
        const login = await startLogin(server)
        server.clock.advance(5 * 60_000 + 1)
        const body = JSON.stringify({ type: 'authenticateExternal', url: login.url, time: server.clock.now(), userProfile: makeProfile('Late') })
        const res = await postSigned(server, new URL(login.url).pathname, body)
        assert.equal(res.status, 401)
        assert.match(res.body.message, /expired/)
        assert.deepEqual((await server.request('GET', `/web/logins/${login.id}`, { headers: { cookie: login.cookie } })).body, { status: 'expired' })
    } finally {
        await server.close()
    }
})

test('room details: public rooms without a token, private ones still 401', async () => {
    const server = await startTestServer()
    try {
        const owner = await signedAuthenticate(server, makeProfile('Owner'))
        const auth = { authorization: owner.session }
        assert.equal((await server.request('POST', '/api/rooms', { headers: auth, body: { name: 'open-door', title: 'Open' } })).status, 201)
        assert.equal(
            (await server.request('POST', '/api/rooms', { headers: auth, body: { name: 'closed-door', title: 'Shut', password: 'secret' } })).status,
            201,
        )
        const open = await server.request('GET', '/api/rooms/open-door')
        assert.deepEqual([open.status, open.body.title], [200, 'Open'])
        assert.equal((await server.request('GET', '/api/rooms/closed-door')).status, 401)
        assert.equal((await server.request('GET', '/api/rooms/no-such-room')).status, 401)
        assert.equal((await server.request('GET', '/api/rooms/closed-door', { headers: auth })).status, 200)
        const listed = await server.request('GET', '/api/rooms')
        assert.equal(listed.body.rooms[0].master_name, null, 'nobody in the game yet')
    } finally {
        await server.close()
    }
})
