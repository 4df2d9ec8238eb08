// Attempt counters shared through the real Redis: the AttemptLimiter's semantics, counted across nodes.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { AttemptLimiter } from '../../src/cluster/attempt-limiter.js'
import { sleep, nodesOnSharedRedis } from './helpers.js'

describe('Redis attempt counters', () => {
    const { prefix, nodes, redis } = nodesOnSharedRedis()

    test('reserve on A counts on B; refund; retryAfterMs; the window slides (as AttemptLimiter)', async () => {
        const a = (await nodes.start()).cluster.counters.counter('passwordUser', 3, 1000)
        const b = (await nodes.start()).cluster.counters.counter('passwordUser', 3, 1000)
        const t = Date.now() // the counters take the time given, the keys expire in real time
        assert.equal(await a.reserve('k', t + 100), true)
        assert.equal(await b.reserve('k', t + 200), true)
        assert.equal(await a.reserve('k', t + 300), true)
        assert.equal(await b.reserve('k', t + 300), false, 'B sees the three of A and B')
        assert.equal(await b.isLimited('k', t + 300), true)
        assert.equal(await a.retryAfterMs('k', t + 400), 700)
        await b.refund('k', t + 200)
        assert.equal(await a.retryAfterMs('k', t + 400), 0)
        assert.equal(await b.reserve('k', t + 400), true)
        assert.equal(await a.isLimited('k', t + 1099), true)
        assert.equal(await a.isLimited('k', t + 1100), false, 'the attempt at +100 has left the window')
        await a.refund('k', t + 5) // never counted: nothing happens
        assert.equal(await a.retryAfterMs('k', t + 1100), 0)
        assert.equal(await a.isLimited('other', t), false, 'keys are separate')
        const ttl = await redis.pttl(`${prefix}attempts:passwordUser:k`)
        assert.ok(ttl > 0 && ttl <= 1000, `the key expires with the window (pttl ${ttl})`)
    })

    test('counters of different names are separate; fail keeps the last max like AttemptLimiter', async () => {
        const node = (await nodes.start()).cluster
        const shared = node.counters.counter('roomCreate', 2, 60_000)
        const local = new AttemptLimiter(2, 60_000)
        const t = Date.now()
        for (const at of [t, t + 10, t + 20, t + 30]) {
            await shared.fail('p', at)
            local.fail('p', at)
        }
        assert.equal(await node.counters.counter('passwordRoom', 2, 60_000).isLimited('p', t + 30), false)
        assert.equal(await shared.retryAfterMs('p', t + 40), local.retryAfterMs('p', t + 40))
        assert.equal(await shared.retryAfterMs('p', t + 40), 60_000 - 20)
        assert.equal(await redis.zcard(`${prefix}attempts:roomCreate:p`), 2)
    })

    test('concurrent reserves across three nodes: exactly max pass', async () => {
        const counters = await Promise.all([1, 2, 3].map(async () => (await nodes.start()).cluster.counters.counter('race', 5, 10_000)))
        const t = Date.now()
        const outcomes = await Promise.all(Array.from({ length: 30 }, (_, i) => counters[i % 3]!.reserve('hot', t)))
        assert.equal(outcomes.filter(Boolean).length, 5)
        await Promise.all(outcomes.flatMap((ok, i) => (ok ? [counters[i % 3]!.refund('hot', t)] : [])))
        assert.equal(await counters[0]!.isLimited('hot', t), false, 'every refund took back one attempt (same time, unique members)')
    })

    test('a key expires in Redis with its window', async () => {
        const counter = (await nodes.start()).cluster.counters.counter('short', 1, 150)
        assert.equal(await counter.reserve('x', Date.now()), true)
        await sleep(300)
        assert.equal(await redis.exists(`${prefix}attempts:short:x`), 0)
        assert.equal(await counter.reserve('x', Date.now()), true)
    })
})
