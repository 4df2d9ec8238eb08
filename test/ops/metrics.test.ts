// /metrics after real traffic: sign-ins and joins by result, a round started and finished, events and
// bytes sent, a refused command, WebSocket closes by code, HTTP latency by route pattern (never the raw
// URL), store commits, the join's first-frame latency, signature checks, a refused room password, open rooms and players; and the optional token.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { converge, hostRoom, joinPlayer, level, startMultiplayerServer, type MultiplayerServer } from '../helpers/multiplayer.js'
import { makeProfile, postSigned, signedAuthenticate, authenticateBody } from '../helpers/sonolus.js'

/** The value of one series in a Prometheus text exposition (0 when absent). */
function value(text: string, name: string, labels: Record<string, string> = {}): number {
    const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`)
    let sum = 0
    for (const line of text.split('\n')) {
        if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue
        const labelText = line.startsWith(name + '{') ? line.slice(name.length + 1, line.indexOf('}')) : ''
        if (want.every((w) => labelText.split(',').includes(w))) sum += Number(line.slice(line.lastIndexOf(' ') + 1))
    }
    return sum
}

describe('metrics', () => {
    let server: MultiplayerServer
    before(async () => (server = await startMultiplayerServer({ reconnectGraceMs: 0 })))
    after(() => server.close())

    const scrape = async () => {
        const res = await server.request('GET', '/metrics')
        assert.equal(res.status, 200)
        assert.match(res.headers.get('content-type') ?? '', /^text\/plain/)
        return res.text
    }

    test('counters move with real traffic', async () => {
        const before = await scrape()
        assert.ok(value(before, 'ensemble_process_resident_memory_bytes') > 0, 'process defaults are exported')

        const host = await hostRoom(server)
        const guest = await joinPlayer(server, host.name, 'Guest')
        // A refused sign-in (bad signature) and a refused join (no such room).
        const bad = await postSigned(server, '/sonolus/authenticate', authenticateBody(server, makeProfile('Mallory')), { signature: 'AAAA' })
        assert.equal(bad.status, 401)
        const stranger = await signedAuthenticate(server, makeProfile('Stranger'))
        const { joinRoom } = await import('../helpers/sonolus.js')
        assert.equal((await joinRoom(server, 'nosuchroom', stranger.profile, { session: stranger.session })).status, 404)

        // A round, start to finish.
        host.client.selectLevel(level('song'))
        host.client.setStatus('preparing')
        guest.client.setUserStatus('ready')
        await host.client.next((e) => e.type === 'updateUserStatus' && e.userStatus.status === 'ready')
        host.client.setStatus('playing')
        await guest.client.nextOf('startRound')
        host.client.setStatus('selecting')
        await host.client.next((e) => e.type === 'updateStatus' && e.status === 'selecting')
        // A command the engine refuses (the guest is not the master).
        guest.client.sendRaw({ type: 'updateStatus', status: 'preparing' })
        await converge(server, host.name, [host.client, guest.client])

        const during = await scrape()
        assert.equal(value(during, 'ensemble_open_rooms'), 1)
        assert.equal(value(during, 'ensemble_connected_players'), 2)

        await guest.client.close()
        await host.client.close()
        await new Promise((r) => setTimeout(r, 100))

        const text = await scrape()
        const moved = (name: string, labels?: Record<string, string>) => value(text, name, labels) - value(before, name, labels)
        assert.equal(moved('ensemble_sign_ins_total', { result: 'ok' }), 3)
        assert.equal(moved('ensemble_sign_ins_total', { result: 'unauthorized' }), 1)
        assert.equal(moved('ensemble_joins_total', { via: 'sonolus', result: 'ok' }), 2)
        assert.equal(moved('ensemble_joins_total', { via: 'sonolus', result: 'not_found' }), 1)
        assert.equal(moved('ensemble_joins_total', { via: 'websocket', result: 'ok' }), 2)
        assert.equal(moved('ensemble_rounds_started_total'), 1)
        assert.equal(moved('ensemble_rounds_finished_total'), 1)
        assert.ok(moved('ensemble_events_sent_total') >= 10)
        assert.ok(moved('ensemble_event_bytes_sent_total') > moved('ensemble_events_sent_total') * 10)
        assert.ok(moved('ensemble_commands_refused_total') >= 1)
        assert.equal(moved('ensemble_websocket_closes_total', { code: '1000' }), 2)
        assert.ok(moved('ensemble_store_commit_seconds_count') >= 5)
        // Each accepted socket's first frame is timed once: two joins, two observations, each under a second.
        assert.equal(moved('ensemble_join_first_event_seconds_count'), 2)
        assert.equal(moved('ensemble_join_first_event_seconds_bucket', { le: '1' }), 2)
        assert.ok(moved('ensemble_join_first_event_seconds_sum') > 0)
        // Every signed request's signature check is timed once, the refused one included.
        const signed = moved('ensemble_sign_ins_total') + moved('ensemble_joins_total', { via: 'sonolus' })
        assert.equal(signed, 7)
        assert.equal(moved('ensemble_signature_check_seconds_count'), signed)
        assert.equal(moved('ensemble_signature_check_seconds_bucket', { le: '0.5' }), signed)
        assert.ok(moved('ensemble_signature_check_seconds_sum') > 0)
        // Latency by route pattern: the join route once per pattern, not once per room name.
        assert.equal(moved('ensemble_http_request_duration_seconds_count', { method: 'POST', route: '/sonolus/rooms/:name' }), 3)
        assert.doesNotMatch(text, new RegExp(`route="[^"]*${host.name}`))
        assert.doesNotMatch(text, /route="[^"]*nosuchroom/)
        assert.equal(value(text, 'ensemble_open_rooms') >= 0, true)
        assert.equal(value(text, 'ensemble_connected_players'), 0)
    })

    test('wrong room passwords are counted', async () => {
        const before = await scrape()
        const host = await hostRoom(server, { password: 'secret1' })
        const player = await signedAuthenticate(server, makeProfile('Guesser'))
        const res = await server.request('POST', '/api/join_room', {
            headers: { authorization: `Bearer ${player.session}` },
            body: { name: host.name, password: 'wrong' },
        })
        assert.equal(res.status, 403)
        await host.client.close()
        const text = await scrape()
        assert.equal(
            value(text, 'ensemble_password_attempts_refused_total', { reason: 'wrongPassword' }) -
                value(before, 'ensemble_password_attempts_refused_total', { reason: 'wrongPassword' }),
            1,
        )
        assert.equal(
            value(text, 'ensemble_joins_total', { via: 'api', result: 'forbidden' }) -
                value(before, 'ensemble_joins_total', { via: 'api', result: 'forbidden' }),
            1,
        )
    })
})

test('ENSEMBLE_METRICS_TOKEN: /metrics asks for the bearer token', async () => {
    const server = await startMultiplayerServer({ metricsToken: 'scrape-secret' })
    try {
        assert.equal((await server.request('GET', '/metrics')).status, 401)
        assert.equal((await server.request('GET', '/metrics', { headers: { authorization: 'Bearer wrong' } })).status, 401)
        const ok = await server.request('GET', '/metrics', { headers: { authorization: 'Bearer scrape-secret' } })
        assert.equal(ok.status, 200)
        assert.match(ok.text, /ensemble_sign_ins_total/)
    } finally {
        await server.close()
    }
})
