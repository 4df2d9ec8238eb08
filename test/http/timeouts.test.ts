// HTTP timeouts on a real server: a client that stops sending (no headers, half the headers, headers
// with a Content-Length and then no body) is answered 408 and closed within its timeout, and an idle
// keep-alive connection is closed after the keep-alive timeout.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { loadConfig } from '../../src/config.js'
import { get, RawConnection } from '../helpers/raw-http.js'
import { startTestServer, type TestServer } from '../helpers/server.js'

const requestTimeoutMs = 800
const headersTimeoutMs = 400
const keepAliveTimeoutMs = 300
/** Node checks its request timeouts every 100 ms here (a quarter of the headers timeout); room for a loaded machine. */
const slack = 1500

describe('HTTP timeouts', () => {
    let server: TestServer
    let port: number
    before(async () => {
        server = await startTestServer({ config: { requestTimeoutMs, headersTimeoutMs, keepAliveTimeoutMs } })
        port = Number(new URL(server.origin).port)
    })
    after(() => server.close())

    test('headers with a Content-Length, then silence: 408 and closed within the request timeout', async () => {
        const conn = await RawConnection.open(port)
        conn.write('POST /sonolus/authenticate HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"type":')
        const res = await conn.response(requestTimeoutMs + slack)
        assert.equal(res.status, 408)
        const closedAfter = await conn.closedWithin(slack)
        assert.ok(closedAfter >= requestTimeoutMs - 50, `closed after ${closedAfter} ms, before the request timeout`)
        assert.ok(closedAfter <= requestTimeoutMs + slack, `closed after ${closedAfter} ms`)
    })

    test('half the headers, then silence: 408 and closed within the headers timeout', async () => {
        const conn = await RawConnection.open(port)
        conn.write('GET /sonolus/info HTTP/1.1\r\nHost: te')
        assert.equal((await conn.response(headersTimeoutMs + slack)).status, 408)
        const closedAfter = await conn.closedWithin(slack)
        assert.ok(closedAfter <= headersTimeoutMs + slack, `closed after ${closedAfter} ms`)
    })

    test('a connection that sends nothing is closed within the headers timeout', async () => {
        const conn = await RawConnection.open(port)
        const closedAfter = await conn.closedWithin(headersTimeoutMs + slack)
        assert.ok(closedAfter >= headersTimeoutMs - 50, `closed after ${closedAfter} ms`)
    })

    test('a slow but steady request within the timeout is answered, and its connection kept alive', async () => {
        const conn = await RawConnection.open(port)
        const body = JSON.stringify({ type: 'authenticateServer', padding: 'x'.repeat(40) })
        conn.write(`POST /sonolus/authenticate HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`)
        // The body in 8 pieces over ~half the request timeout, each gap longer than a checking interval.
        const pieces = body.match(/.{1,8}/gs)!
        for (let i = 0; i < pieces.length; i += Math.ceil(pieces.length / 8)) {
            conn.write(pieces.slice(i, i + Math.ceil(pieces.length / 8)).join(''))
            await new Promise((r) => setTimeout(r, requestTimeoutMs / 16))
        }
        const res = await conn.response()
        assert.equal(res.status, 401, res.body) // unsigned: refused by the route, not by a timeout
        assert.equal(res.headers['connection'], 'keep-alive')
        conn.destroy()
    })

    test('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
        const conn = await RawConnection.open(port)
        conn.write(get('/healthz'))
        assert.equal((await conn.response()).status, 200)
        const answeredAt = Date.now() - conn.openedAt
        const closedAfter = await conn.closedWithin(keepAliveTimeoutMs + slack)
        assert.ok(closedAfter - answeredAt >= keepAliveTimeoutMs - 50, `closed ${closedAfter - answeredAt} ms after the answer`)
    })
})

describe('timeout settings', () => {
    const load = (env: Record<string, string>) => loadConfig({ env, argv: [] }).config

    test('defaults: request 30s, headers 10s, keep-alive 72s, 64 connections per address, shutdown 10s', () => {
        const config = load({})
        assert.equal(config.requestTimeoutMs, 30_000)
        assert.equal(config.headersTimeoutMs, 10_000)
        assert.equal(config.keepAliveTimeoutMs, 72_000)
        assert.equal(config.maxConnectionsPerIp, 64)
        assert.deepEqual(config.connectionCapExempt, ['loopback'])
        assert.equal(config.shutdownTimeoutMs, 10_000)
    })

    test('flags and variables', () => {
        const config = loadConfig({
            env: { ENSEMBLE_KEEP_ALIVE_TIMEOUT: '5s', ENSEMBLE_MAX_CONNECTIONS_PER_IP: '0' },
            argv: ['--request-timeout', '1m', '--headers-timeout=20s', '--shutdown-timeout', '0'],
        }).config
        assert.equal(config.requestTimeoutMs, 60_000)
        assert.equal(config.headersTimeoutMs, 20_000)
        assert.equal(config.keepAliveTimeoutMs, 5_000)
        assert.equal(config.maxConnectionsPerIp, 0)
        assert.deepEqual(load({ ENSEMBLE_CONNECTION_CAP_EXEMPT: 'none' }).connectionCapExempt, [])
        assert.deepEqual(load({ ENSEMBLE_CONNECTION_CAP_EXEMPT: 'loopback, 10.0.0.5' }).connectionCapExempt, ['loopback', '10.0.0.5'])
        assert.throws(() => load({ ENSEMBLE_CONNECTION_CAP_EXEMPT: 'localhost' }), /ENSEMBLE_CONNECTION_CAP_EXEMPT .* must list IP addresses/)
        assert.equal(config.shutdownTimeoutMs, 0)
    })

    test('bad values are refused with the variable named', () => {
        assert.throws(() => load({ ENSEMBLE_REQUEST_TIMEOUT: 'soon' }), /ENSEMBLE_REQUEST_TIMEOUT \(--request-timeout\) must be a duration/)
        assert.throws(() => load({ ENSEMBLE_REQUEST_TIMEOUT: '0' }), /ENSEMBLE_REQUEST_TIMEOUT .* must be between/)
        assert.throws(() => load({ ENSEMBLE_MAX_CONNECTIONS_PER_IP: '-1' }), /ENSEMBLE_MAX_CONNECTIONS_PER_IP .* must be a whole number/)
        assert.throws(
            () => load({ ENSEMBLE_REQUEST_TIMEOUT: '5s', ENSEMBLE_HEADERS_TIMEOUT: '10s' }),
            /ENSEMBLE_HEADERS_TIMEOUT \(10000 ms\) must not exceed ENSEMBLE_REQUEST_TIMEOUT \(5000 ms\)/,
        )
    })
})
