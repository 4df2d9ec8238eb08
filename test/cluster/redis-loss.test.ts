// Redis lost and back, on a redis-server of this test (killed -9, restarted empty, frozen): the nodes
// keep their own rooms, refuse cross-node work at once with ClusterUnavailableError, log one line each
// way, and once Redis is back re-register, rewrite their rooms and report healthy again.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Redis } from 'ioredis'
import { ClusterUnavailableError } from '../../src/cluster/cluster.js'
import { startTestRedis, type TestRedis } from '../helpers/redis.js'
import { fast, nodeFactory, randomPrefix, room, sleep, waitFor } from './helpers.js'

describe('Redis lost and restarted', () => {
    let server: TestRedis
    before(async () => (server = await startTestRedis()))
    after(async () => await server.kill())

    test('down: health says why, shared work fails fast, nothing throws; back (empty): everything re-registered', async (t) => {
        const prefix = randomPrefix()
        const nodes = nodeFactory(prefix, server.url)
        const unhandled: unknown[] = []
        const onUnhandled = (err: unknown) => unhandled.push(err)
        process.on('unhandledRejection', onUnhandled)
        try {
            const a = await nodes.start()
            const b = await nodes.start()
            a.cluster.delivery.setHandler(async () => 'a')
            b.cluster.delivery.setHandler(async () => 'b')
            a.cluster.rooms.publish('ra', room(a.id))
            b.cluster.rooms.publish('rb', room(b.id))
            await waitFor('each other', () => a.cluster.rooms.get('rb') !== undefined && b.cluster.rooms.get('ra') !== undefined)
            const counter = a.cluster.counters.counter('passwordUser', 5, 60_000)
            assert.equal(await counter.reserve('k', Date.now()), true)

            await server.kill()
            await waitFor('health to turn', () => !a.cluster.health().ok && !b.cluster.health().ok, 1000)
            const health = a.cluster.health()
            assert.ok(!health.ok && /^redis unreachable: /.test(health.reason), JSON.stringify(health))

            let slowest = 0
            const fails = async (what: string, work: () => Promise<unknown>) => {
                const from = Date.now()
                await assert.rejects(work(), (e) => e instanceof ClusterUnavailableError, what)
                const took = Date.now() - from
                assert.ok(took < 1000, `${what} failed after ${took} ms`)
                slowest = Math.max(slowest, took)
            }
            await fails('reserve', () => counter.reserve('k', Date.now()))
            await fails('isLimited', () => counter.isLimited('k', Date.now()))
            await fails('retryAfterMs', () => counter.retryAfterMs('k', Date.now()))
            await fails('refund', () => counter.refund('k', Date.now()))
            await fails('request', () => a.cluster.delivery.request(b.id, { type: 'roomDetails', room: 'rb' }))
            await fails('broadcast', () => a.cluster.delivery.broadcast({ type: 'removeEverywhere', userId: 'u' }))
            t.diagnostic(`with Redis down, the slowest refusal took ${slowest} ms`)
            assert.equal(await a.cluster.delivery.request(a.id, { type: 'roomDetails', room: 'ra' }), 'a', 'a request to self still runs')
            assert.equal(await a.cluster.nodes.aliveNow(), undefined)
            // Writes while down do not throw; they are made when Redis is back.
            a.cluster.rooms.publish('ra-2', room(a.id))
            a.cluster.rooms.unpublish('ra')
            a.cluster.feeds.publish('ra-2', { id: '1', data: '{}', at: Date.now(), event: { type: 'chat' } })
            await a.cluster.nodes.drain()
            assert.deepEqual(
                [...a.cluster.rooms.entries()].map(([n]) => n),
                ['ra-2', 'rb'],
                'own rooms, and B as last seen',
            )
            await sleep(fast.nodeTtlMs + fast.heartbeatMs)
            assert.deepEqual(
                [...a.cluster.rooms.entries()].map(([n]) => n),
                ['ra-2'],
                'B unheard for the ttl: its rooms are not listed',
            )
            assert.equal(a.cluster.nodes.placeNewRoom(), a.id, 'nobody else known alive')

            await server.start()
            const back = await waitFor('health back', () => a.cluster.health().ok && b.cluster.health().ok, 5000)
            t.diagnostic(`healthy again ${back} ms after redis-server answered`)
            assert.equal(await a.cluster.nodes.aliveNow(), undefined, 'too soon after reconnecting for every node to have beaten')
            const redis = new Redis(server.url)
            try {
                assert.notEqual(await redis.zscore(`${prefix}nodes`, a.id), null, 'A re-registered')
                assert.notEqual(await redis.zscore(`${prefix}nodes`, b.id), null, 'B re-registered')
                assert.deepEqual(Object.keys(await redis.hgetall(`${prefix}rooms:${a.id}`)), ['ra-2'], 'A rewrote its rooms as they are now')
                assert.deepEqual(Object.keys(await redis.hgetall(`${prefix}rooms:${b.id}`)), ['rb'])
                assert.equal(JSON.parse((await redis.hget(`${prefix}node-info`, a.id))!).draining, true, 'drained while down: said when back')
            } finally {
                redis.disconnect()
            }
            await waitFor(
                'the mirrors',
                () => b.cluster.rooms.get('ra-2') !== undefined && b.cluster.rooms.get('ra') === undefined && a.cluster.rooms.get('rb') !== undefined,
            )
            assert.equal(b.cluster.nodes.placeNewRoom(), b.id, 'A is draining')
            assert.equal(await a.cluster.delivery.request(b.id, { type: 'roomDetails', room: 'rb' }), 'b')
            assert.equal(await counter.reserve('k', Date.now()), true, 'counting again (Redis forgot the earlier attempt)')
            await waitFor('aliveNow', async () => (await a.cluster.nodes.aliveNow()) !== undefined, fast.nodeTtlMs * 3)
            const linkBackAt = a.log.lines.find((l) => l.msg === 'redis connection back')!.at
            assert.ok(Date.now() - linkBackAt >= fast.nodeTtlMs, `aliveNow answered ${Date.now() - linkBackAt} ms after the link came back`)
            assert.deepEqual((await a.cluster.nodes.aliveNow())!.ids.sort(), [a.id, b.id].sort())

            for (const node of [a, b]) {
                const lost = node.log.lines.filter((l) => l.msg === 'redis connection lost; retrying')
                const regained = node.log.lines.filter((l) => l.msg === 'redis connection back')
                assert.equal(lost.length, 1, 'one line when lost')
                assert.equal(regained.length, 1, 'one line when back')
                assert.equal(node.log.lines.filter((l) => l.level === 'error').length, 0)
            }
            assert.deepEqual(unhandled, [])
        } finally {
            process.off('unhandledRejection', onUnhandled)
            await nodes.stopAll()
        }
    })

    test('a stalled Redis (SIGSTOP) turns health not ok within the ttl; stop() is bounded while Redis is gone', async () => {
        const nodes = nodeFactory(randomPrefix(), server.url)
        const a = await nodes.start()
        assert.ok(a.cluster.health().ok)
        const pid = server.pid()!
        process.kill(pid, 'SIGSTOP')
        try {
            await waitFor('health to turn', () => !a.cluster.health().ok, fast.nodeTtlMs + 1000)
            const health = a.cluster.health()
            assert.ok(!health.ok && /no heartbeat answered/.test(health.reason), JSON.stringify(health))
        } finally {
            process.kill(pid, 'SIGCONT')
        }
        await waitFor('health back', () => a.cluster.health().ok, 3000)
        await server.kill()
        const from = Date.now()
        await a.cluster.stop()
        assert.ok(Date.now() - from < 2500, `stop took ${Date.now() - from} ms`)
        await server.start()
    })
})
