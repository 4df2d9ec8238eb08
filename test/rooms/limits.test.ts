// The pieces of the wrong-password limits: reservations in the AttemptLimiter and the KDF gate.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { AttemptLimiter } from '../../src/cluster/attempt-limiter.js'
import { KdfGate } from '../../src/rooms/kdf-gate.js'

describe('AttemptLimiter reservations', () => {
    test('reserve counts at once, refund gives back, retryAfterMs names when the oldest leaves the window', () => {
        const limiter = new AttemptLimiter(3, 1000)
        assert.equal(limiter.reserve('k', 100), true)
        assert.equal(limiter.reserve('k', 200), true)
        assert.equal(limiter.reserve('k', 300), true)
        assert.equal(limiter.reserve('k', 300), false)
        assert.equal(limiter.retryAfterMs('k', 400), 700)
        limiter.refund('k', 200)
        assert.equal(limiter.retryAfterMs('k', 400), 0)
        assert.equal(limiter.reserve('k', 400), true)
        assert.equal(limiter.isLimited('k', 1099), true)
        assert.equal(limiter.isLimited('k', 1100), false, 'the attempt at 100 has left the window')
        limiter.refund('k', 5) // never counted: nothing happens
        assert.equal(limiter.retryAfterMs('k', 1100), 0)
    })
})

describe('KdfGate', () => {
    const deferred = () => {
        let resolve!: () => void
        const promise = new Promise<void>((r) => (resolve = r))
        return { promise, resolve }
    }

    test('runs at most `running` jobs, queues `queued` more, refuses the rest and a second job per key', async () => {
        const gate = new KdfGate({ running: 2, queued: 1, perKey: 1 })
        const jobs = [deferred(), deferred(), deferred()]
        const started: number[] = []
        const admissions = jobs.map((d, i) =>
            gate.tryRun(`p${i}`, async () => {
                started.push(i)
                await d.promise
                return i
            }),
        )
        assert.ok(admissions.every((a) => a.ok))
        assert.deepEqual(
            gate.tryRun('p0', async () => 0),
            { ok: false, reason: 'passwordCheckPending' },
        )
        assert.deepEqual(
            gate.tryRun('p9', async () => 0),
            { ok: false, reason: 'passwordChecksBusy' },
        )
        await new Promise((r) => setImmediate(r))
        assert.deepEqual(started, [0, 1])
        assert.deepEqual(gate.load, { running: 2, queued: 1 })
        jobs[0]!.resolve()
        assert.equal(await (admissions[0] as { result: Promise<number> }).result, 0)
        await new Promise((r) => setImmediate(r))
        assert.deepEqual(started, [0, 1, 2], 'the queued job took the freed slot')
        assert.deepEqual(gate.load, { running: 2, queued: 0 })
        jobs[1]!.resolve()
        jobs[2]!.resolve()
        await Promise.all(admissions.map((a) => (a.ok ? a.result : Promise.resolve())))
        assert.deepEqual(gate.load, { running: 0, queued: 0 })
        assert.equal(gate.tryRun('p0', async () => 0).ok, true, 'a key is free again once its job is done')
    })

    test('a failing job frees its slot', async () => {
        const gate = new KdfGate({ running: 1, queued: 0, perKey: 1 })
        const failing = gate.tryRun('p', async () => {
            throw new Error('boom')
        })
        assert.ok(failing.ok)
        await assert.rejects(failing.result, /boom/)
        assert.deepEqual(gate.load, { running: 0, queued: 0 })
    })
})
