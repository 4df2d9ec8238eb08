// The heartbeat pings every connection once per interval, a slot at a time rather than all at once, and
// drops a connection at its next turn when it did not answer.
import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, mock, test } from 'node:test'
import { startHeartbeat } from '../../src/transport/heartbeat.js'

type Fake = { id: number; alive: boolean; beatSlot: number | undefined; answers: boolean }

describe('heartbeat', () => {
    beforeEach(() => mock.timers.enable({ apis: ['setInterval'] }))
    afterEach(() => mock.timers.reset())

    test('30 s: 30 ticks a second apart, each pinging a thirtieth of the connections; silent ones dropped a turn later', () => {
        const pings: number[][] = []
        const dropped: number[] = []
        let tick: number[] = []
        const heartbeat = startHeartbeat<Fake>(
            30_000,
            (c) => {
                tick.push(c.id)
                if (c.answers) c.alive = true // the pong, as ws's 'pong' listener sets it
            },
            (c) => dropped.push(c.id),
        )
        const connections = Array.from({ length: 300 }, (_, id): Fake => ({ id, alive: true, beatSlot: undefined, answers: id % 3 !== 0 }))
        for (const c of connections) heartbeat.add(c)
        // One left before its first ping: never pinged, never dropped.
        heartbeat.delete(connections[299]!)

        for (let t = 0; t < 30; t++) {
            mock.timers.tick(1000)
            pings.push(tick)
            tick = []
        }
        // Every connection but the one that left, pinged exactly once in the interval, ten per tick.
        assert.deepEqual(
            pings.flat().sort((a, b) => a - b),
            connections.slice(0, 299).map((c) => c.id),
        )
        assert.ok(Math.max(...pings.map((p) => p.length)) <= 10, `at most 10 pings per tick: ${pings.map((p) => p.length).join(',')}`)
        assert.deepEqual(dropped, [])

        // The next interval: those that did not answer are dropped at their turn, the others pinged again.
        for (let t = 0; t < 30; t++) mock.timers.tick(1000)
        assert.deepEqual(
            dropped.sort((a, b) => a - b),
            connections.filter((c) => !c.answers && c.id !== 299).map((c) => c.id),
        )
        assert.equal(tick.length, connections.filter((c) => c.answers && c.id !== 299).length)
        heartbeat.stop()
        mock.timers.tick(60_000)
        assert.equal(tick.length, connections.filter((c) => c.answers && c.id !== 299).length, 'stopped')
    })

    test('a short interval (tests) has one slot: every connection each tick', () => {
        let pinged = 0
        const heartbeat = startHeartbeat<Fake>(
            100,
            () => pinged++,
            () => {},
        )
        for (let id = 0; id < 5; id++) heartbeat.add({ id, alive: true, beatSlot: undefined, answers: true })
        mock.timers.tick(100)
        assert.equal(pinged, 5)
        heartbeat.stop()
    })
})
