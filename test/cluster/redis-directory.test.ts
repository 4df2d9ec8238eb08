// The live room directory through the real Redis: publishes reach the other nodes within ~100 ms, bursts
// are written once, a resync repairs a mirror, malformed messages are ignored.
import assert from 'node:assert/strict'
import { afterEach, describe, test } from 'node:test'
import { room, sleep, waitFor, nodesOnSharedRedis } from './helpers.js'

describe('RedisDirectory', () => {
    const { prefix, nodes, redis } = nodesOnSharedRedis()
    // The tests share a prefix: a failed test's nodes must not leave their rooms in the next one's mirrors.
    afterEach(() => nodes.stopAll())

    test('publish, update and unpublish reach the other nodes within ~100 ms', async (t) => {
        const a = await nodes.start()
        const b = await nodes.start()
        const c = await nodes.start()
        await waitFor('everyone alive everywhere', () => [a, b, c].every((n) => n.cluster.nodes.alive().length === 3))
        a.cluster.rooms.publish('r1', room(a.id, { playerCount: 1, members: ['u1'] }))
        const seen = await waitFor('r1 on B and C', () => b.cluster.rooms.get('r1') !== undefined && c.cluster.rooms.get('r1') !== undefined, 1000)
        // ~20 ms of coalescing plus a pub/sub hop; the bound leaves room for a loaded test machine.
        assert.ok(seen <= 200, `seen after ${seen} ms`)
        assert.deepEqual(b.cluster.rooms.get('r1'), room(a.id, { playerCount: 1, members: ['u1'] }))

        a.cluster.rooms.publish('r1', room(a.id, { playerCount: 2, members: ['u1', 'u2'] }))
        b.cluster.rooms.publish('r2', room(b.id))
        await waitFor(
            'the update on C, and the room of B on A',
            () => c.cluster.rooms.get('r1')?.playerCount === 2 && c.cluster.rooms.get('r2') !== undefined && a.cluster.rooms.get('r2') !== undefined,
            1000,
        )
        assert.deepEqual([...c.cluster.rooms.entries()].map(([n]) => n).sort(), ['r1', 'r2'])
        assert.deepEqual([...a.cluster.rooms.entries()].map(([n]) => n).sort(), ['r1', 'r2'], 'own and others')

        a.cluster.rooms.unpublish('r1')
        const gone = await waitFor('r1 gone on B', () => b.cluster.rooms.get('r1') === undefined, 1000)
        assert.ok(gone <= 200, `gone after ${gone} ms`)
        t.diagnostic(`publish seen on the other nodes after ${seen} ms, unpublish after ${gone} ms`)
        assert.equal(await redis.hexists(`${prefix}rooms:${a.id}`, 'r1'), 0)
        await Promise.all([a, b, c].map((n) => n.cluster.stop()))
    })

    test('a burst of publishes of one room in a turn is one write; the last value wins', async () => {
        const a = await nodes.start()
        const b = await nodes.start()
        const seqKey = `${prefix}rooms-seq:${a.id}`
        const before = Number(await redis.get(seqKey))
        for (let i = 1; i <= 200; i++) a.cluster.rooms.publish('busy', room(a.id, { playerCount: i }))
        await waitFor('the last value on B', () => b.cluster.rooms.get('busy')?.playerCount === 200, 1000)
        await sleep(50)
        assert.equal(Number(await redis.get(seqKey)) - before, 1, 'one write')
        assert.equal(JSON.parse((await redis.hget(`${prefix}rooms:${a.id}`, 'busy'))!).playerCount, 200)
        await Promise.all([a, b].map((n) => n.cluster.stop()))
    })

    test('a room whose node stopped leaves the other mirrors; a resync restores what a lost message missed', async () => {
        const a = await nodes.start()
        const b = await nodes.start()
        a.cluster.rooms.publish('kept', room(a.id))
        await waitFor('kept on B', () => b.cluster.rooms.get('kept') !== undefined)
        // A write B never heard of (as if its message was lost): the periodic resync brings it.
        await redis.hset(`${prefix}rooms:${a.id}`, 'sideways', JSON.stringify(room(a.id, { title: 'sideways' })))
        await redis.incr(`${prefix}rooms-seq:${a.id}`)
        await waitFor('the resync', () => b.cluster.rooms.get('sideways')?.title === 'sideways', 2000)
        await a.cluster.stop()
        await waitFor('A rooms gone on B', () => [...b.cluster.rooms.entries()].length === 0, 500)
        await b.cluster.stop()
    })

    test('rooms of a node that started after our last heartbeat survive our resyncs until we see it alive', async () => {
        // A beats rarely and resyncs often: B's rooms arrive by pub/sub before A knows B is alive.
        const a = await nodes.start({ heartbeatMs: 1500, nodeTtlMs: 5000, resyncMs: 50 })
        const b = await nodes.start()
        b.cluster.rooms.publish('early', room(b.id))
        await waitFor('A to see B alive', () => a.cluster.nodes.isAlive(b.id), 3000)
        assert.equal(a.cluster.rooms.get('early')?.node, b.id, 'listed as soon as B is known alive')
        await Promise.all([a, b].map((n) => n.cluster.stop()))
    })

    test('malformed directory messages are ignored', async () => {
        const a = await nodes.start()
        a.cluster.rooms.publish('fine', room(a.id))
        const b = await nodes.start()
        await waitFor('fine on B', () => b.cluster.rooms.get('fine') !== undefined)
        for (const text of [
            '',
            'nonsense',
            'null',
            '[]',
            '{"node":1}',
            '{"node":"x","seq":"1"}',
            '{"node":"x","seq":99,"set":{"r":{"node":"x"}}}',
            '{"node":"x","seq":100,"set":7}',
        ])
            await redis.publish(`${prefix}directory`, text)
        await redis.publish(`${prefix}directory`, JSON.stringify({ node: a.id, seq: 1e9, set: { evil: 'not a room' } }))
        await sleep(50)
        assert.deepEqual(
            [...b.cluster.rooms.entries()].map(([n]) => n),
            ['fine'],
        )
        assert.equal(b.cluster.health().ok, true)
        await Promise.all([a, b].map((n) => n.cluster.stop()))
    })
})
