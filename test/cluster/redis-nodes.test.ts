// Node heartbeats through the real Redis: who is alive, where a new room goes, and a node that dies.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { childNode, fast, room, sleep, waitFor, nodesOnSharedRedis } from './helpers.js'

describe('RedisNodes', () => {
    const { prefix, nodes, redis } = nodesOnSharedRedis()

    test('nodes see each other after a heartbeat, with their url and load; a stopped node leaves at once', async () => {
        const a = await nodes.start()
        const b = await nodes.start()
        await waitFor('A to see B', () => a.cluster.nodes.isAlive(b.id))
        assert.equal(a.cluster.nodes.urlOf(b.id), `http://${b.id}.test`)
        assert.equal(b.cluster.nodes.urlOf(a.id), `http://${a.id}.test`)
        assert.deepEqual(
            a.cluster.nodes
                .alive()
                .map((n) => n.id)
                .sort(),
            [a.id, b.id].sort(),
        )
        b.cluster.nodes.reportLoad({ players: 7, rooms: 2 })
        await waitFor('B load on A', () => a.cluster.nodes.alive().find((n) => n.id === b.id)?.players === 7)
        assert.equal(a.cluster.nodes.urlOf('no-such-node'), undefined)
        assert.equal(a.cluster.health().ok, true)

        await b.cluster.stop()
        await waitFor('B gone from A', () => !a.cluster.nodes.isAlive(b.id), fast.heartbeatMs * 3)
        assert.equal(await redis.zscore(`${prefix}nodes`, b.id), null, 'stop removed its heartbeat')
        await a.cluster.stop()
    })

    test('placement: fewest players, then fewest rooms, then id; never a draining node; self when alone', async () => {
        const a = await nodes.start({ nodeId: 'place-a' })
        assert.equal(a.cluster.nodes.placeNewRoom(), 'place-a', 'alone: self')
        const b = await nodes.start({ nodeId: 'place-b' })
        const c = await nodes.start({ nodeId: 'place-c' })
        a.cluster.nodes.reportLoad({ players: 10, rooms: 1 })
        b.cluster.nodes.reportLoad({ players: 3, rooms: 5 })
        c.cluster.nodes.reportLoad({ players: 3, rooms: 2 })
        const everyone = () => [a, b, c].every((n) => n.cluster.nodes.alive().filter((x) => x.players > 0).length === 3)
        await waitFor('the loads to reach every node', everyone)
        for (const n of [a, b, c]) assert.equal(n.cluster.nodes.placeNewRoom(), 'place-c', `on ${n.id}`)
        c.cluster.nodes.reportLoad({ players: 3, rooms: 5 })
        await waitFor('the tie', () => a.cluster.nodes.alive().find((n) => n.id === 'place-c')?.rooms === 5)
        assert.equal(a.cluster.nodes.placeNewRoom(), 'place-b', 'a tie in players and rooms goes to the lower id')

        await b.cluster.nodes.drain()
        assert.equal(b.cluster.nodes.placeNewRoom(), 'place-c', 'the draining node at once places elsewhere')
        await waitFor('A to see B draining', () => a.cluster.nodes.alive().find((n) => n.id === 'place-b')?.draining === true)
        assert.equal(a.cluster.nodes.placeNewRoom(), 'place-c')
        await c.cluster.nodes.drain()
        await a.cluster.nodes.drain()
        assert.equal(a.cluster.nodes.placeNewRoom(), 'place-a', 'all draining: self')
        await Promise.all([a, b, c].map((n) => n.cluster.stop()))
    })

    test('a node killed with -9 leaves alive() within ttl + heartbeat, its rooms leave the directory and Redis', async (t) => {
        const a = await nodes.start()
        const child = await childNode(prefix, 'doomed', ['doomed-1', 'doomed-2'])
        try {
            await waitFor('the child node and its rooms', () => a.cluster.nodes.isAlive('doomed') && a.cluster.rooms.get('doomed-2') !== undefined)
            assert.equal(a.cluster.rooms.get('doomed-1')?.node, 'doomed')
            await child.kill()
            const killedAt = Date.now()
            await waitFor('the dead node to leave', () => !a.cluster.nodes.isAlive('doomed'), fast.nodeTtlMs + fast.heartbeatMs * 3)
            const took = Date.now() - killedAt
            assert.ok(took <= fast.nodeTtlMs + fast.heartbeatMs * 2, `left after ${took} ms`)
            t.diagnostic(`killed node left alive() after ${took} ms (ttl ${fast.nodeTtlMs}, heartbeat ${fast.heartbeatMs})`)
            assert.equal(a.cluster.rooms.get('doomed-1'), undefined)
            assert.deepEqual([...a.cluster.rooms.entries()], [])
            await waitFor('its traces to leave Redis', async () => (await redis.exists(`${prefix}rooms:doomed`)) === 0)
            assert.equal(await redis.hexists(`${prefix}node-info`, 'doomed'), 0)
        } finally {
            await child.kill()
            await a.cluster.stop()
        }
    })

    test('aliveNow reads Redis fresh, but only nodeTtlMs after connecting', async () => {
        const a = await nodes.start()
        assert.equal(await a.cluster.nodes.aliveNow(), undefined, 'too soon after connecting')
        await sleep(fast.nodeTtlMs)
        const b = await nodes.start()
        const now = await a.cluster.nodes.aliveNow()
        assert.ok(now)
        assert.deepEqual(now.ids.sort(), [a.id, b.id].sort(), 'B is there although A has not beaten since B started')
        assert.ok(Math.abs(now.at - Date.now()) < 1000)
        await b.cluster.stop()
        assert.deepEqual((await a.cluster.nodes.aliveNow())?.ids, [a.id])
        await a.cluster.stop()
    })

    test('start() rejects with a clear message when Redis cannot be reached', async () => {
        const from = Date.now()
        await assert.rejects(
            nodes.start({ url: 'redis://127.0.0.1:1', startTimeoutMs: 500 }),
            /^Error: redis unreachable at redis:\/\/127\.0\.0\.1:1 within 0\.5 s: .*ECONNREFUSED/,
        )
        assert.ok(Date.now() - from < 1500)
    })

    test('published rooms of a node: its own mirror has them at once', async () => {
        const a = await nodes.start()
        a.cluster.rooms.publish('mine', room(a.id, { playerCount: 2 }))
        assert.equal(a.cluster.rooms.get('mine')?.playerCount, 2)
        assert.deepEqual(
            [...a.cluster.rooms.entries()].map(([n]) => n),
            ['mine'],
        )
        a.cluster.rooms.unpublish('mine')
        assert.equal(a.cluster.rooms.get('mine'), undefined)
        await a.cluster.stop()
    })
})
