// GET /sonolus/info, Sonolus-Version on every response, localization, banner, and error bodies that
// never leak internals.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { version, type ServerInfo } from '@sonolus/core'
import { t } from '../../src/i18n.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

describe('GET /sonolus/info', () => {
    let server: TestServer
    before(async () => {
        server = await startTestServer()
    })
    after(() => server.close())

    test('title, localized description, authentication and room buttons', async () => {
        const res = await server.request<ServerInfo>('GET', '/sonolus/info')
        assert.equal(res.status, 200)
        assert.equal(res.body.title, 'Ensemble')
        assert.equal(res.body.description, t('en', 'serverDescription'))
        assert.deepEqual(res.body.buttons, [{ type: 'authentication' }, { type: 'room' }])
        assert.deepEqual(res.body.configuration, { options: [] })
        const ja = await server.request<ServerInfo>('GET', '/sonolus/info', { query: { localization: 'ja' } })
        assert.equal(ja.body.description, t('ja', 'serverDescription'))
        const unknown = await server.request<ServerInfo>('GET', '/sonolus/info', { query: { localization: 'zz' } })
        assert.equal(unknown.body.description, t('en', 'serverDescription'))
    })

    test('Sonolus-Version on every response, errors and unknown routes included', async () => {
        const responses = await Promise.all([
            server.request('GET', '/sonolus/info'),
            server.request('GET', '/sonolus/rooms/info'),
            server.request('GET', '/sonolus/rooms/list'),
            server.request('POST', '/sonolus/rooms/create', { body: {} }),
            server.request('POST', '/sonolus/authenticate', { body: '{' }),
            server.request('GET', '/sonolus/levels/list'),
            server.request('GET', '/healthz'),
        ])
        for (const res of responses) assert.equal(res.headers.get('sonolus-version'), version.sonolus, `${res.status} ${res.text}`)
    })

    test('unknown routes → 404 ServerMessage', async () => {
        const res = await server.request('GET', '/sonolus/levels/list', { query: { localization: 'ja' } })
        assert.equal(res.status, 404)
        assert.deepEqual(res.body, { message: t('ja', 'notFound') })
    })

    test('a malformed URL → 400 ServerMessage with Sonolus-Version', async () => {
        const res = await server.request('POST', '/sonolus/rooms/%ff', { body: '{}' })
        assert.equal(res.status, 400)
        assert.equal(res.headers.get('sonolus-version'), version.sonolus)
        assert.deepEqual(res.body, { message: t('en', 'badRequest') })
    })

    test('room passwords in query strings are hidden from request logs', async () => {
        const { redactUrl } = await import('../../src/app.js')
        assert.equal(
            redactUrl('/sonolus/rooms/list?type=private&room=x&password=s3cret&b=1'),
            '/sonolus/rooms/list?type=private&room=x&password=***&b=1',
        )
        assert.equal(redactUrl('/sonolus/rooms/abc?Password=x'), '/sonolus/rooms/abc?Password=***')
    })

    test('a JSON body with another content type → 415, without internals', async () => {
        const res = await server.request('POST', '/sonolus/authenticate', {
            body: 'x=1',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
        })
        assert.equal(res.status, 415)
        assert.deepEqual(res.body, { message: t('en', 'unsupportedMediaType') })
    })

    test('hostile inputs never produce a 500 or a stack trace', async () => {
        const bodies = [
            'null',
            '[]',
            '"x"',
            '1',
            '{"__proto__":{"admin":true}}',
            '{"type":"authenticateServer","time":"now"}',
            '\u0000',
            '{}'.repeat(1000),
        ]
        for (const body of bodies) {
            for (const path of ['/sonolus/authenticate', '/sonolus/rooms/abcdefgh', '/sonolus/rooms/create']) {
                const res = await server.request('POST', path, { body, headers: { 'sonolus-signature': 'AAAA' } })
                assert.ok(res.status >= 400 && res.status < 500, `${path} ${body.slice(0, 20)} → ${res.status}`)
                assert.equal(typeof res.body?.message, 'string')
                assert.doesNotMatch(res.text, /node_modules|\.js:\d+|stack/)
            }
        }
    })
})

describe('server banner', () => {
    let dir: string
    let server: TestServer
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')
    before(async () => {
        dir = await mkdtemp(join(tmpdir(), 'ensemble-banner-'))
        await writeFile(join(dir, 'banner.png'), png)
        server = await startTestServer({ config: { bannerFile: join(dir, 'banner.png'), title: 'My Server', description: 'Custom' } })
    })
    after(async () => {
        await server.close()
        await rm(dir, { recursive: true, force: true })
    })

    test('info names the banner by hash and an absolute URL that serves it', async () => {
        const info = await server.request<ServerInfo>('GET', '/sonolus/info', { query: { localization: 'ja' } })
        assert.equal(info.body.title, 'My Server')
        assert.equal(info.body.description, 'Custom')
        const hash = createHash('sha1').update(png).digest('hex')
        assert.equal(info.body.banner?.hash, hash)
        assert.equal(info.body.banner?.url, `${server.config.address}/sonolus/repository/banner/${hash}`)
        const res = await fetch(info.body.banner!.url)
        assert.equal(res.status, 200)
        assert.equal(res.headers.get('content-type'), 'image/png')
        assert.deepEqual(Buffer.from(await res.arrayBuffer()), png)
        assert.equal((await server.request('GET', '/sonolus/repository/banner/0000')).status, 404)
    })
})
