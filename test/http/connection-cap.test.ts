// ENSEMBLE_MAX_CONNECTIONS_PER_IP on a real server: past the cap an address's HTTP requests are answered
// 429 (with Connection: close when connected directly) and its WebSocket upgrades refused 429 before the
// upgrade; once some of its connections close, it is served again. Behind a trusted proxy the forwarded
// client address is what counts.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { WebSocket } from 'ws'
import { addressKey, clientAddress, isExemptAddress } from '../../src/http/client-address.js'
import { t } from '../../src/i18n.js'
import { hostRoom, startMultiplayerServer, type MultiplayerServer } from '../helpers/multiplayer.js'
import { get, RawConnection } from '../helpers/raw-http.js'
import { join, makeProfile, signedAuthenticate } from '../helpers/sonolus.js'

/** Opens an upgrade and reports the status the server answered (101 when accepted, the socket kept open). */
function upgrade(url: string, headers: Record<string, string>): Promise<{ status: number; body: string; ws?: WebSocket }> {
    return new Promise((resolve, reject) => {
        const ws = new WebSocket(url, { headers })
        ws.once('open', () => resolve({ status: 101, body: '', ws }))
        ws.once('unexpected-response', (_req, res) => {
            let body = ''
            res.on('data', (d: Buffer) => (body += d))
            res.on('end', () => {
                resolve({ status: res.statusCode ?? 0, body })
                ws.terminate()
            })
        })
        ws.once('error', reject)
    })
}

const wsClosed = (ws: WebSocket) =>
    new Promise<void>((resolve) => (ws.readyState === WebSocket.CLOSED ? resolve() : ws.once('close', () => resolve())))

/** Repeats `attempt` until it answers `status` (the server sees a close a moment after the client). */
async function eventually(attempt: () => Promise<number>, status: number, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    let last = 0
    while (Date.now() < deadline) {
        last = await attempt()
        if (last === status) return
        await new Promise((r) => setTimeout(r, 20))
    }
    assert.fail(`still ${last} after ${timeoutMs} ms, expected ${status}`)
}

const tooMany = t('en', 'tooManyConnections')

describe('connection cap, direct clients', () => {
    const cap = 3
    // Idle keep-alive connections (the helpers' fetch leaves some) close quickly, so that what counts
    // is what each test holds.
    const keepAliveTimeoutMs = 150
    let server: MultiplayerServer
    let port: number
    before(async () => {
        // Every test client is on loopback, which the cap leaves alone by default: count it here.
        server = await startMultiplayerServer({ maxConnectionsPerIp: cap, keepAliveTimeoutMs, connectionCapExempt: [] })
        port = Number(new URL(server.origin).port)
    })
    after(() => server.close())

    const quiet = () => new Promise((r) => setTimeout(r, keepAliveTimeoutMs * 3))
    /** A connection that holds a slot: a request in progress (headers sent, the body held back). */
    const held = async () => {
        const conn = await RawConnection.open(port)
        conn.write('POST /sonolus/authenticate HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n')
        return conn
    }
    /** One request on a fresh connection; its status. */
    const once = async (path = '/healthz') => {
        const conn = await RawConnection.open(port)
        conn.write(get(path, { Connection: 'close' }))
        const res = await conn.response().catch(() => ({ status: 0 }))
        conn.destroy()
        return res.status
    }

    test('past the cap: 429 with a ServerMessage (the REST API: its error shape) and Connection: close; served again once one closes', async () => {
        await quiet()
        const conns = [await held(), await held(), await held()]
        const over = await RawConnection.open(port)
        over.write(get('/sonolus/info?localization=ja'))
        const res = await over.response()
        assert.equal(res.status, 429)
        assert.equal(res.headers['connection'], 'close')
        assert.ok(res.headers['sonolus-version'])
        assert.deepEqual(JSON.parse(res.body), { message: t('ja', 'tooManyConnections') })
        await over.closedWithin(2000)
        assert.equal(await once(), 429)
        // The REST API's clients get its own error shape.
        const api = await RawConnection.open(port)
        api.write(get('/api/rooms'))
        const apiRes = await api.response()
        assert.equal(apiRes.status, 429)
        assert.deepEqual(JSON.parse(apiRes.body), { error: 'too many connections from your address, try again later' })
        api.destroy()
        // The held ones are untouched and still answered.
        assert.ok(conns.every((c) => !c.isClosed))
        conns[0]!.write('{}')
        assert.equal((await conns[0]!.response()).status, 401)
        conns[1]!.destroy()
        conns[0]!.destroy()
        await eventually(() => once(), 200)
        for (const c of conns) c.destroy()
    })

    test('a WebSocket counts, and an upgrade past the cap is refused 429 before the upgrade', async () => {
        const host = await hostRoom(server) // its WebSocket holds one connection
        const guest = await signedAuthenticate(server, makeProfile('Guest'))
        const answer = await join(server, host.name, guest.profile, { session: guest.session })
        await quiet()
        const guestWs = await upgrade(answer.url, { 'Sonolus-Room-Session': answer.session })
        assert.equal(guestWs.status, 101) // the second connection
        const conn = await held() // the third
        const refused = await upgrade(answer.url, { 'Sonolus-Room-Session': 'x'.repeat(43) })
        assert.equal(refused.status, 429)
        assert.deepEqual(JSON.parse(refused.body), { message: tooMany })
        assert.equal(await once(), 429)
        // The guest leaves: its connection is free again, and an upgrade gets as far as its session check.
        guestWs.ws!.close()
        await wsClosed(guestWs.ws!)
        await eventually(async () => (await upgrade(answer.url, { 'Sonolus-Room-Session': 'x'.repeat(43) })).status, 401)
        conn.destroy()
        await host.client.close()
    })

    test('an over-cap connection that sends nothing is closed within seconds, not held', async () => {
        await quiet()
        const conns = [await held(), await held(), await held()]
        const silent = await RawConnection.open(port)
        await silent.closedWithin(4000)
        for (const c of conns) c.destroy()
    })
})

describe('connection cap behind a trusted proxy: per forwarded address', () => {
    const cap = 2
    let server: MultiplayerServer
    let port: number
    before(async () => {
        server = await startMultiplayerServer({ maxConnectionsPerIp: cap, trustProxy: true, connectionCapExempt: [] })
        port = Number(new URL(server.origin).port)
    })
    after(() => server.close())

    /** A request in progress from `client`: headers with a Content-Length, the body held back. */
    const slow = async (client: string) => {
        const conn = await RawConnection.open(port)
        conn.write(
            `POST /sonolus/authenticate HTTP/1.1\r\nHost: test\r\nX-Forwarded-For: ${client}, 10.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n`,
        )
        return conn
    }
    const status = async (client: string) => {
        const conn = await RawConnection.open(port)
        conn.write(get('/healthz', { 'X-Forwarded-For': client }))
        const res = await conn.response()
        conn.destroy()
        return res
    }

    test('requests in progress and WebSockets count per forwarded address, not per proxy connection', async () => {
        // The cap's worth of plain requests through one proxy address, one after another: all served.
        for (let i = 0; i < 2 * cap; i++) assert.equal((await status('203.0.113.7')).status, 200)
        const pending = [await slow('203.0.113.7'), await slow('203.0.113.7')]
        await eventually(async () => (await status('203.0.113.7')).status, 429)
        const refused = await status('203.0.113.7')
        assert.deepEqual(JSON.parse(refused.body), { message: tooMany })
        assert.notEqual(refused.headers['connection'], 'close', 'the proxy connection is not closed')
        // Another client behind the same proxy is served.
        assert.equal((await status('198.51.100.2')).status, 200)
        const url = `${server.origin.replace('http', 'ws')}/multiplayer/rooms/nosuchroom`
        assert.equal((await upgrade(url, { 'X-Forwarded-For': '203.0.113.7' })).status, 429)
        assert.equal((await upgrade(url, { 'X-Forwarded-For': '198.51.100.2' })).status, 401)
        // One request completes: the address is served again.
        pending[0]!.write('{}')
        assert.equal((await pending[0]!.response()).status, 401)
        await eventually(async () => (await status('203.0.113.7')).status, 200)
        for (const p of pending) p.destroy()
    })

    test('an open WebSocket holds a slot of its forwarded address until it closes', async () => {
        await eventually(async () => (await status('192.0.2.9')).status, 200)
        const host = await hostRoom(server)
        const a = await signedAuthenticate(server, makeProfile('A'))
        const b = await signedAuthenticate(server, makeProfile('B'))
        const joinA = await join(server, host.name, a.profile, { session: a.session })
        const joinB = await join(server, host.name, b.profile, { session: b.session })
        const wsA = await upgrade(joinA.url, { 'Sonolus-Room-Session': joinA.session, 'X-Forwarded-For': '192.0.2.9' })
        const wsB = await upgrade(joinB.url, { 'Sonolus-Room-Session': joinB.session, 'X-Forwarded-For': '192.0.2.9' })
        assert.equal(wsA.status, 101)
        assert.equal(wsB.status, 101)
        assert.equal((await status('192.0.2.9')).status, 429)
        wsA.ws!.close()
        await wsClosed(wsA.ws!)
        await eventually(async () => (await status('192.0.2.9')).status, 200)
        wsB.ws!.close()
        await host.client.close()
    })
})

describe('client address and counting key', () => {
    test('the forwarded address is used only behind a trusted proxy', () => {
        assert.equal(clientAddress('10.0.0.1', '203.0.113.7, 10.0.0.2', true), '203.0.113.7')
        assert.equal(clientAddress('10.0.0.1', '203.0.113.7', false), '10.0.0.1')
        assert.equal(clientAddress('10.0.0.1', undefined, true), '10.0.0.1')
        assert.equal(clientAddress('10.0.0.1', ' ', true), '10.0.0.1')
    })

    test('IPv4-mapped addresses count as IPv4; IPv6 counts per /64', () => {
        assert.equal(addressKey('::ffff:192.0.2.1'), '192.0.2.1')
        assert.equal(addressKey('192.0.2.1'), '192.0.2.1')
        assert.equal(addressKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64')
        assert.equal(addressKey('2001:0db8:0001:0002:bbbb:cccc:dddd:eeee'), '2001:db8:1:2::/64')
        assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64')
        assert.equal(addressKey('::1'), '0:0:0:0::/64')
        assert.equal(addressKey('fe80::1%eth0'), 'fe80:0:0:0::/64')
        assert.equal(addressKey('not an address'), 'not an address')
    })
})

describe('connection cap exemptions (ENSEMBLE_CONNECTION_CAP_EXEMPT)', () => {
    test('by default loopback is not counted: a local proxy that forwards nothing is not one capped address', async () => {
        const server = await startMultiplayerServer({ maxConnectionsPerIp: 2 })
        try {
            const port = Number(new URL(server.origin).port)
            const conns = await Promise.all(Array.from({ length: 5 }, () => RawConnection.open(port)))
            for (const c of conns) c.write(get('/healthz'))
            const statuses = await Promise.all(conns.map(async (c) => (await c.response()).status))
            assert.deepEqual(statuses, [200, 200, 200, 200, 200])
            for (const c of conns) c.destroy()
        } finally {
            await server.close()
        }
    })

    test('which addresses are exempt', () => {
        assert.equal(isExemptAddress('127.0.0.1', ['loopback']), true)
        assert.equal(isExemptAddress('127.8.9.10', ['loopback']), true)
        assert.equal(isExemptAddress('::ffff:127.0.0.1', ['loopback']), true)
        assert.equal(isExemptAddress('::1', ['loopback']), true)
        assert.equal(isExemptAddress('203.0.113.7', ['loopback']), false)
        assert.equal(isExemptAddress('203.0.113.7', ['203.0.113.7']), true)
        assert.equal(isExemptAddress('::ffff:203.0.113.7', ['203.0.113.7']), true)
        assert.equal(isExemptAddress('127.0.0.1', []), false)
    })
})
