// POST /sonolus/authenticate against a real server: the valid sign-in and every refusal.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { version } from '@sonolus/core'
import { t, type MessageKey } from '../../src/i18n.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { authenticateBody, makeProfile, otherKeys, postSigned, sign } from '../helpers/sonolus.js'

describe('POST /sonolus/authenticate', () => {
    let server: TestServer
    before(async () => {
        server = await startTestServer()
    })
    after(() => server.close())

    const post = (body: string, options?: Parameters<typeof postSigned>[3]) => postSigned(server, '/sonolus/authenticate', body, options)

    const assertRefused = (res: { status: number; body: any; text: string; headers: Headers }, status: number, key: MessageKey) => {
        assert.equal(res.status, status, res.text)
        assert.equal(res.body?.message, t('en', key))
        assert.doesNotMatch(res.text, /at .*\.js|Error:|stack/i)
        assert.equal(res.headers.get('sonolus-version'), version.sonolus)
    }

    test('a valid signed body gets a session of 30 minutes or less, and the profile is stored', async () => {
        const profile = makeProfile('Alice')
        const before = server.clock.now()
        const res = await post(authenticateBody(server, profile))
        assert.equal(res.status, 200, res.text)
        assert.equal(res.headers.get('sonolus-version'), version.sonolus)
        assert.equal(typeof res.body.session, 'string')
        assert.ok(res.body.session.length >= 32)
        assert.ok(res.body.expiration > before)
        assert.ok(res.body.expiration <= server.clock.now() + 30 * 60_000)
        const user = await server.app.store.getUser(profile.id)
        assert.equal(user?.name, 'Alice')
        assert.deepEqual(user?.profile, profile)
    })

    test('the older ServiceUserProfile shape (socialLinks, no avatarType) is accepted', async () => {
        const old = {
            id: 'old-shape-user',
            handle: '1000',
            name: 'Old',
            avatarForegroundColor: '#ffffffff',
            avatarBackgroundColor: '#000020ff',
            aboutMe: 'hi',
            socialLinks: [{ title: 'Link', address: 'https://example.com' }],
            favorites: [],
        }
        const res = await post(authenticateBody(server, old))
        assert.equal(res.status, 200, res.text)
        assert.deepEqual((await server.app.store.getUser('old-shape-user'))?.profile, old)
    })

    test('missing Sonolus-Signature header → 401', async () => {
        assertRefused(await post(authenticateBody(server, makeProfile()), { signature: null }), 401, 'signatureMissing')
    })

    test('a signature that is not base64 of 64 bytes → 401', async () => {
        assertRefused(await post(authenticateBody(server, makeProfile()), { signature: 'bm90IGEgc2lnbmF0dXJl' }), 401, 'signatureInvalid')
    })

    test('signed with another key → 401', async () => {
        const body = authenticateBody(server, makeProfile())
        assertRefused(await post(body, { signature: sign(body, otherKeys().privateKey) }), 401, 'signatureInvalid')
    })

    test('one tampered byte after signing → 401', async () => {
        const body = authenticateBody(server, makeProfile('Mallory'))
        const signature = sign(body)
        const tampered = body.replace('Mallory', 'Mallorz')
        assert.notEqual(tampered, body)
        assertRefused(await post(tampered, { signature }), 401, 'signatureInvalid')
    })

    test('a signature over a re-serialized body (same JSON value, other bytes) → 401', async () => {
        const body = authenticateBody(server, makeProfile())
        const spaced = JSON.stringify(JSON.parse(body), null, 1)
        assertRefused(await post(spaced, { signature: sign(body) }), 401, 'signatureInvalid')
    })

    test('wrong type → 401', async () => {
        assertRefused(await post(authenticateBody(server, makeProfile(), { type: 'authenticateMultiplayer' })), 401, 'typeInvalid')
    })

    test('other address → 401', async () => {
        assertRefused(await post(authenticateBody(server, makeProfile(), { address: 'https://evil.example.com' })), 401, 'addressInvalid')
    })

    test('stale time (older than the window) → 401', async () => {
        const time = server.clock.now() - server.config.timeWindowMs - 1000
        assertRefused(await post(authenticateBody(server, makeProfile(), { time })), 401, 'timeStale')
    })

    test('far-future time → 401; a little ahead (clock skew) is accepted', async () => {
        const far = server.clock.now() + server.config.timeFutureToleranceMs + 60_000
        assertRefused(await post(authenticateBody(server, makeProfile(), { time: far })), 401, 'timeFuture')
        const near = server.clock.now() + Math.floor(server.config.timeFutureToleranceMs / 2)
        assert.equal((await post(authenticateBody(server, makeProfile(), { time: near }))).status, 200)
    })

    test('a replayed body → 401 the second time', async () => {
        const body = authenticateBody(server, makeProfile())
        const signature = sign(body)
        assert.equal((await post(body, { signature })).status, 200)
        assertRefused(await post(body, { signature }), 401, 'replayed')
    })

    test('a replayed body with a second valid signature (ECDSA malleability) → 401', async () => {
        const body = authenticateBody(server, makeProfile())
        assert.equal((await post(body)).status, 200)
        assertRefused(await post(body, { signature: sign(body) }), 401, 'replayed')
    })

    test('profile without id, or with an over-long name → 401', async () => {
        const { id: _, ...noId } = makeProfile()
        assertRefused(await post(authenticateBody(server, noId as never)), 401, 'bodyInvalid')
        assertRefused(await post(authenticateBody(server, makeProfile('x'.repeat(500)))), 401, 'bodyInvalid')
    })

    test('malformed JSON → 400', async () => {
        const body = '{"type":"authenticateServer",'
        assertRefused(await post(body), 400, 'malformedJson')
    })

    test('a body over the size limit → 413', async () => {
        const body = authenticateBody(server, makeProfile('Big', { aboutMe: 'x'.repeat(server.config.bodyLimit + 1) }))
        assertRefused(await post(body), 413, 'bodyTooLarge')
    })

    test('refusals are localized (ja) and fall back to en', async () => {
        const body = authenticateBody(server, makeProfile())
        const ja = await post(body, { signature: null, query: { localization: 'ja' } })
        const xx = await post(body, { signature: null, query: { localization: 'xx' } })
        assert.equal(ja.status, 401)
        assert.match(ja.body.message, /署名/)
        assert.match(xx.body.message, /not signed/)
    })
})
