// API tokens: made with a session, shown once and stored hashed, usable bare or as Bearer, listed without
// the secret, revoked at once; sessions and tokens both sign in through the one hook.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { hashToken } from '../../src/auth/tokens.js'
import { PostgresStore } from '../../src/store/postgres/postgres-store.js'
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { makeProfile, signedAuthenticate } from '../helpers/sonolus.js'

describe('API tokens', () => {
    let server: TestServer
    before(async () => {
        server = await startTestServer()
    })
    after(() => server.close())

    const auth = (token: string) => ({ authorization: token })

    test('create → use (bare and Bearer) → list → revoke takes effect at once', async () => {
        const alice = await signedAuthenticate(server, makeProfile('Alice'))
        const created = await server.request('POST', '/api/tokens', { headers: auth(alice.session), body: { name: 'relay bot' } })
        assert.equal(created.status, 201)
        assert.deepEqual(Object.keys(created.body).sort(), ['created_at', 'id', 'name', 'token'])
        const { id, token } = created.body
        assert.equal(created.body.name, 'relay bot')
        assert.match(token, /^ens_/)

        // Stored hashed: the token itself is nowhere in the database.
        // (Read from whichever store the suite runs on: ENSEMBLE_TEST_STORE=postgres.)
        const store = server.app.store
        const rows: Record<string, unknown>[] =
            store instanceof PostgresStore
                ? (await store.pool.query('SELECT * FROM api_tokens')).rows
                : ((store as SqliteStore).db.prepare('SELECT * FROM api_tokens').all() as Record<string, unknown>[])
        assert.equal(rows.length, 1)
        assert.equal(rows[0]!.token_hash, hashToken(token))
        assert.ok(!JSON.stringify(rows).includes(token.slice(4)))

        for (const header of [token, `Bearer ${token}`, `bearer   ${token}`]) {
            const list = await server.request('GET', '/api/tokens', { headers: auth(header) })
            assert.equal(list.status, 200, header)
            assert.deepEqual(
                list.body.tokens.map((t: { id: number; name: string }) => [t.id, t.name]),
                [[id, 'relay bot']],
            )
            assert.ok(!list.text.includes(token.slice(4)), 'the list never shows the token')
            assert.equal(typeof list.body.tokens[0].last_used_at, 'number', 'use is recorded')
        }

        // A token cannot mint tokens; a session can.
        const minted = await server.request('POST', '/api/tokens', { headers: auth(token), body: { name: 'child' } })
        assert.equal(minted.status, 403)
        assert.match(minted.body.error, /session/)

        // Someone else cannot revoke it; its owner can, once; afterwards it is refused at once.
        const bob = await signedAuthenticate(server, makeProfile('Bob'))
        const foreign = await server.request('DELETE', `/api/tokens/${id}`, { headers: auth(bob.session) })
        assert.deepEqual([foreign.status, foreign.body], [404, { error: 'token not found' }])
        const revoked = await server.request('DELETE', `/api/tokens/${id}`, { headers: auth(alice.session) })
        assert.equal(revoked.status, 204)
        assert.equal(revoked.text, '')
        const refused = await server.request('GET', '/api/tokens', { headers: auth(token) })
        assert.deepEqual([refused.status, refused.body], [401, { error: 'unauthorized' }])
        const again = await server.request('DELETE', `/api/tokens/${id}`, { headers: auth(alice.session) })
        assert.equal(again.status, 404)
        const list = await server.request('GET', '/api/tokens', { headers: auth(alice.session) })
        assert.deepEqual(list.body, { tokens: [] })
    })

    test('bad input and bad tokens: 400 naming the field, 401 unauthorized', async () => {
        const carol = await signedAuthenticate(server, makeProfile('Carol'))
        const noName = await server.request('POST', '/api/tokens', { headers: auth(carol.session), body: {} })
        assert.deepEqual([noName.status, noName.body], [400, { error: 'invalid body.name: required' }])
        const longName = await server.request('POST', '/api/tokens', { headers: auth(carol.session), body: { name: 'x'.repeat(65) } })
        assert.equal(longName.status, 400)
        assert.match(longName.body.error, /body\.name/)
        const badId = await server.request('DELETE', '/api/tokens/abc', { headers: auth(carol.session) })
        assert.equal(badId.status, 400)
        assert.match(badId.body.error, /params\.id/)
        for (const header of [undefined, '', 'Bearer ', 'ens_' + 'x'.repeat(50), 'y'.repeat(43)]) {
            const res = await server.request('GET', '/api/tokens', { headers: header === undefined ? {} : auth(header) })
            assert.deepEqual([res.status, res.body], [401, { error: 'unauthorized' }], String(header))
        }
        // Bodies: malformed JSON, too large, not an object; unknown routes. Always {"error"}, never a stack.
        const malformed = await server.request('POST', '/api/tokens', { headers: auth(carol.session), body: '{"name":' })
        assert.deepEqual([malformed.status, Object.keys(malformed.body)], [400, ['error']])
        const huge = await server.request('POST', '/api/tokens', {
            headers: auth(carol.session),
            body: { name: 'x'.repeat(server.config.bodyLimit) },
        })
        assert.deepEqual([huge.status, Object.keys(huge.body)], [413, ['error']])
        const text = await server.request('POST', '/api/tokens', { headers: { ...auth(carol.session), 'content-type': 'text/plain' }, body: 'name' })
        assert.deepEqual([text.status, text.body], [400, { error: 'invalid body: must be object' }])
        const unknown = await server.request('GET', '/api/nothing-here', { headers: auth(carol.session) })
        assert.deepEqual([unknown.status, unknown.body], [404, { error: 'not found' }])
        const unknownAnonymous = await server.request('GET', '/api/nothing-here')
        assert.deepEqual([unknownAnonymous.status, unknownAnonymous.body], [404, { error: 'not found' }])
        for (const res of [malformed, huge, text]) assert.doesNotMatch(res.text, /at .*\.js|node_modules/)

        // An expired session is refused like an unknown one.
        server.clock.advance(server.config.sessionTtlMs + 1)
        const expired = await server.request('GET', '/api/tokens', { headers: auth(carol.session) })
        assert.equal(expired.status, 401)
    })
})
