// The replay guard at the edge of the time window, with the test clock: a request read just before its
// body's window closes may still be waiting for its signature check while the sweep runs just after.
// The used body must still be refused then (it is remembered past the window by nonceMarginMs), and
// even after a stall longer than the margin (the store refuses a nonce a sweep may have forgotten).
// A sweep "during the wait" is a sweep whose clock is ahead of the time the request was read at.
import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import { nonceMarginMs } from '../../src/auth/signed-request.js'
import { t, type MessageKey } from '../../src/i18n.js'
import { startTestServer, type TestResponse, type TestServer } from '../helpers/server.js'
import { authenticateBody, createAndJoin, joinBody, makeProfile, postSigned, sign } from '../helpers/sonolus.js'

const refused = (res: TestResponse, key: MessageKey) => {
    assert.equal(res.status, 401, res.text)
    assert.equal(res.body?.message, t('en', key))
}

describe('replay guard at the edge of the time window', () => {
    let server: TestServer | undefined
    afterEach(async () => {
        await server?.close()
        server = undefined
    })

    /**
     * Uses a signed body once (expecting `firstStatus`), moves the clock to 1 s before its window closes,
     * sweeps the store at `sweepAfterWindow` ms past the window's end, and sends the same bytes again.
     */
    const replayAtEdge = async (path: string, body: string, firstStatus: number, sweepAfterWindow: number, headers: Record<string, string> = {}) => {
        const s = server!
        const signature = sign(body)
        const time = JSON.parse(body).time as number
        const first = await postSigned(s, path, body, { signature, headers })
        assert.equal(first.status, firstStatus, first.text)
        s.clock.advance(time + s.config.timeWindowMs - 1000 - s.clock.now())
        await s.app.store.sweep(time + s.config.timeWindowMs + sweepAfterWindow)
        assert.ok(s.clock.now() - time <= s.config.timeWindowMs, 'the replay is read inside the window')
        return postSigned(s, path, body, { signature, headers })
    }

    test('a join body replayed at the edge, the sweep 1 ms past its window: 401 replayed', async () => {
        server = await startTestServer()
        const room = await createAndJoin(server)
        const path = `/sonolus/rooms/${room.name}`
        refused(await replayAtEdge(path, joinBody(server, room.name, makeProfile('Member')), 200, 1), 'replayed')
    })

    test('a sign-in body replayed at the edge, the sweep 1 ms past its window: 401 replayed', async () => {
        server = await startTestServer()
        refused(await replayAtEdge('/sonolus/authenticate', authenticateBody(server, makeProfile()), 200, 1), 'replayed')
    })

    test('a stall longer than the margin: the sweep forgot the body, the commit still refuses it', async () => {
        server = await startTestServer()
        const room = await createAndJoin(server)
        const path = `/sonolus/rooms/${room.name}`
        refused(await replayAtEdge(path, joinBody(server, room.name, makeProfile('Member')), 200, nonceMarginMs + 1), 'replayed')
        refused(await replayAtEdge('/sonolus/authenticate', authenticateBody(server, makeProfile()), 200, nonceMarginMs + 60 * 60_000), 'replayed')
    })

    test('past the edge the time check refuses the body (timeStale), before the nonce is looked at', async () => {
        server = await startTestServer()
        const body = authenticateBody(server, makeProfile())
        const signature = sign(body)
        assert.equal((await postSigned(server, '/sonolus/authenticate', body, { signature })).status, 200)
        server.clock.advance(JSON.parse(body).time + server.config.timeWindowMs + 1 - server.clock.now())
        refused(await postSigned(server, '/sonolus/authenticate', body, { signature }), 'timeStale')
    })
})
