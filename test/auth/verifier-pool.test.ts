// VerifierPool: Sonolus-Signature checks on worker threads give exactly SignatureVerifier's answers,
// whether a thread answers, the event loop answers (no thread yet, a thread died, the pool closed).
import assert from 'node:assert/strict'
import type { Worker } from 'node:worker_threads'
import { describe, test } from 'node:test'
import { SignatureVerifier } from '../../src/auth/signature.js'
import { VerifierPool } from '../../src/auth/verifier-pool.js'
import { makeKeys, sign as signWith } from '../helpers/signing.js'

const trusted = makeKeys()
const other = makeKeys()
const jwk = trusted.publicJwk
const inline = new SignatureVerifier(jwk)

type Case = { body: Uint8Array; signature: string; kind: string }

/** `n` bodies with signatures of every kind: valid, tampered body, other key, garbage base64, wrong length... */
function cases(n: number): Case[] {
    const out: Case[] = []
    for (let i = 0; i < n; i++) {
        const body = Buffer.from(JSON.stringify({ type: 'authenticateServer', i, pad: 'x'.repeat(i % 97) }))
        const valid = signWith(body, trusted.privateKey)
        switch (i % 8) {
            case 0:
            case 1:
            case 2:
                out.push({ body, signature: valid, kind: 'valid' })
                break
            case 3: {
                const tampered = Buffer.from(body)
                tampered[i % tampered.length] ^= 1
                out.push({ body: tampered, signature: valid, kind: 'tampered body' })
                break
            }
            case 4: {
                const raw = Buffer.from(valid, 'base64')
                raw[i % 64] ^= 0x80
                out.push({ body, signature: raw.toString('base64'), kind: 'tampered signature' })
                break
            }
            case 5:
                out.push({ body, signature: signWith(body, other.privateKey), kind: 'other key' })
                break
            case 6:
                out.push({ body, signature: i % 16 === 6 ? '!!not base64 at all~~' : '', kind: 'garbage' })
                break
            case 7:
                // 63 and 65 bytes: decodes, wrong length.
                out.push({ body, signature: Buffer.from(valid, 'base64').subarray(0, 63).toString('base64'), kind: 'short' })
                out.push({ body, signature: Buffer.concat([Buffer.from(valid, 'base64'), Buffer.of(0)]).toString('base64'), kind: 'long' })
                break
        }
    }
    // An empty body, signed and not.
    const empty = new Uint8Array(0)
    out.push({ body: empty, signature: signWith(empty, trusted.privateKey), kind: 'valid' })
    out.push({ body: empty, signature: signWith(empty, other.privateKey), kind: 'other key' })
    return out
}

const many = cases(500)
const expected = many.map((c) => inline.verify(c.body, c.signature))

/** Asks the pool for every case at once (one event-loop turn) and compares with SignatureVerifier. */
async function checkAll(pool: VerifierPool, list = many, answers = expected): Promise<void> {
    const results = await Promise.all(list.map((c) => pool.verify(c.body, c.signature)))
    for (let i = 0; i < list.length; i++) assert.equal(results[i], answers[i], `case ${i} (${list[i]!.kind})`)
}

/** The pool's worker threads (private: no public way to make a thread die). */
const workersOf = (pool: VerifierPool): Worker[] =>
    ((pool as unknown as { threads: ({ worker: Worker } | undefined)[] }).threads ?? []).flatMap((t) => (t ? [t.worker] : []))

describe('VerifierPool', () => {
    test('the cases are meaningful: both answers occur, valid ones verify', () => {
        const valid = expected.filter(Boolean).length
        assert.ok(valid > 100 && valid < many.length - 100, `${valid} valid of ${many.length}`)
        many.forEach((c, i) => assert.equal(expected[i], c.kind === 'valid', `case ${i} (${c.kind})`))
    })

    test('a thread answers a batch 8 verdicts at a time by default (one message each), or as told', async () => {
        const sixteen = many.filter((c) => c.kind === 'valid').slice(0, 16)
        for (const [options, messages] of [
            [{}, 2],
            [{ answerEvery: 4 }, 4],
        ] as const) {
            const pool = new VerifierPool(jwk, inline, { size: 1, ...options })
            try {
                await pool.ready()
                let answers = 0
                for (const worker of workersOf(pool)) worker.on('message', () => answers++)
                await checkAll(
                    pool,
                    sixteen,
                    sixteen.map(() => true),
                )
                assert.deepEqual([pool.stats.batches, pool.stats.items], [1, 16], 'one batch of 16')
                assert.equal(answers, messages, JSON.stringify(options))
            } finally {
                await pool.close()
            }
        }
    })

    test('the constructor refuses fewer than one thread', () => {
        assert.throws(() => new VerifierPool(jwk, inline, { size: 0 }), RangeError)
        assert.throws(() => new VerifierPool(jwk, inline, { size: -1 }), RangeError)
        assert.throws(() => new VerifierPool(jwk, inline, { size: Number.NaN }), RangeError)
    })

    for (const size of [1, 2]) {
        test(`${size} thread(s): concurrent verifications answer as SignatureVerifier, on the threads`, async () => {
            // highWater out of reach: the event loop never takes work back, everything goes to threads.
            const pool = new VerifierPool(jwk, inline, { size, highWater: 1e9 })
            try {
                await pool.ready()
                await checkAll(pool)
                assert.equal(pool.stats.inline, 0, 'nothing verified on the event loop')
                assert.ok(pool.stats.batches >= size, `batches ${pool.stats.batches}: every thread got work`)
                // Garbage and wrong-length signatures are refused before reaching a thread.
                const decodable = many.filter((c) => Buffer.from(c.signature, 'base64').length === 64).length
                assert.equal(pool.stats.items, decodable)
                assert.equal(pool.inFlight, 0)
                // A second round on warm threads.
                await checkAll(pool)
                assert.equal(pool.stats.items, 2 * decodable)
            } finally {
                await pool.close()
            }
        })
    }

    test('threads far behind and an idle event loop: the loop takes a share, same answers', async () => {
        const pool = new VerifierPool(jwk, inline, { size: 2, highWater: 8, inlineBelowUtilization: 1.01 })
        try {
            await pool.ready()
            await new Promise((resolve) => setTimeout(resolve, 120)) // let the utilization sample be taken
            await checkAll(pool)
            assert.ok(pool.stats.batches > 0, 'the threads verified part')
            assert.ok(pool.stats.inline > 0, 'the idle event loop took a share back')
        } finally {
            await pool.close()
        }
    })

    test('a lone verification is made on the event loop while it is quiet (by default below 0.6 busy); always at Infinity; at 0, on the thread', async () => {
        const valid = many.find((c) => c.kind === 'valid')!
        const other = many.find((c) => c.kind === 'other key')!
        const always = new VerifierPool(jwk, inline, { size: 1, highWater: 1e9, inlineAloneBelowUtilization: Infinity })
        const byDefault = new VerifierPool(jwk, inline, { size: 1, highWater: 1e9 })
        const quiet = new VerifierPool(jwk, inline, { size: 1, highWater: 1e9, inlineAloneBelowUtilization: 0.25 })
        const never = new VerifierPool(jwk, inline, { size: 1, highWater: 1e9, inlineAloneBelowUtilization: 0 })
        const pools = [always, byDefault, quiet, never]
        try {
            await Promise.all(pools.map((pool) => pool.ready()))
            await new Promise((resolve) => setTimeout(resolve, 150)) // a quiet utilization sample
            for (const pool of [quiet, byDefault]) {
                assert.equal(await pool.verify(valid.body, valid.signature), true)
                assert.equal(await pool.verify(other.body, other.signature), false)
                assert.deepEqual([pool.stats.inline, pool.stats.items], [2, 0], 'both on the event loop')
            }
            assert.equal(await never.verify(valid.body, valid.signature), true)
            assert.deepEqual([never.stats.inline, never.stats.items], [0, 1], 'on the thread')

            // A busy event loop (150 ms without a break): with a bound, by default too, the next lone check
            // goes to the thread; with none (Infinity) it is still made on the event loop.
            const until = performance.now() + 150
            while (performance.now() < until);
            for (const pool of [quiet, byDefault]) {
                assert.equal(await pool.verify(other.body, other.signature), false)
                assert.deepEqual([pool.stats.inline, pool.stats.items], [2, 1], 'on the thread')
            }
            assert.equal(await always.verify(valid.body, valid.signature), true)
            assert.deepEqual([always.stats.inline, always.stats.items], [1, 0], 'on the event loop')
            // Several at once go to the thread (the concurrent tests above show it too).
            const both = await Promise.all([always.verify(valid.body, valid.signature), always.verify(other.body, other.signature)])
            assert.deepEqual(both, [true, false])
            assert.deepEqual([always.stats.inline, always.stats.items], [1, 2], 'both on the thread')
        } finally {
            for (const pool of pools) await pool.close()
        }
    })

    test('before any thread is ready, the event loop answers (lazy start)', async () => {
        const pool = new VerifierPool(jwk, inline, { size: 1 })
        try {
            await checkAll(pool, many.slice(0, 40), expected.slice(0, 40))
            assert.ok(pool.stats.inline > 0)
        } finally {
            await pool.close()
        }
    })

    test('a thread that dies: what it had not answered is answered on the event loop, correctly', async () => {
        const pool = new VerifierPool(jwk, inline, { size: 1, highWater: 1e9 })
        try {
            await pool.ready()
            const [worker] = workersOf(pool)
            assert.ok(worker)
            const answers = Promise.all(many.map((c) => pool.verify(c.body, c.signature)))
            // The pool sends in a setImmediate; kill the thread right after, before it got through the batch.
            await new Promise((resolve) => setImmediate(resolve))
            assert.ok(pool.inFlight > 0, 'the batch is on the thread')
            const inlineBefore = pool.stats.inline
            await worker.terminate()
            const results = await answers
            results.forEach((r, i) => assert.equal(r, expected[i], `case ${i} (${many[i]!.kind})`))
            assert.ok(pool.stats.inline > inlineBefore, 'answered inline after the death')
            assert.equal(pool.inFlight, 0)
            // The pool goes on: a new thread is started and used.
            await pool.ready()
            const [replacement] = workersOf(pool)
            assert.ok(replacement && replacement !== worker, 'a new thread')
            const items = pool.stats.items
            await checkAll(pool)
            assert.ok(pool.stats.items > items, 'the new thread verifies')
        } finally {
            await pool.close()
        }
    })

    test('close: pending and in-flight verifications are answered; afterwards verify answers inline; twice is safe', async () => {
        const pool = new VerifierPool(jwk, inline, { size: 2, highWater: 1e9 })
        await pool.ready()
        // In flight on the threads when close() is called.
        const inFlight = Promise.all(many.map((c) => pool.verify(c.body, c.signature)))
        await new Promise((resolve) => setImmediate(resolve))
        assert.ok(pool.inFlight > 0)
        // Still pending (not sent yet) when close() is called.
        const pending = Promise.all(many.slice(0, 50).map((c) => pool.verify(c.body, c.signature)))
        await pool.close()
        ;(await inFlight).forEach((r, i) => assert.equal(r, expected[i], `in flight ${i}`))
        ;(await pending).forEach((r, i) => assert.equal(r, expected[i], `pending ${i}`))
        assert.deepEqual(workersOf(pool), [], 'no thread left')

        const items = pool.stats.items
        await checkAll(pool)
        assert.equal(pool.stats.items, items, 'nothing sent to a thread after close')
        assert.deepEqual(workersOf(pool), [], 'no thread started after close')
        await pool.close()
        await checkAll(pool, many.slice(0, 20), expected.slice(0, 20))
    })
})
