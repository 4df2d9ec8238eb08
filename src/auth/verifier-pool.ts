// Sonolus-Signature checks on other cores. One ECDSA P-256 verification costs about as much CPU as the
// rest of a sign-in (HTTP, JSON, SQLite) on the event loop, so the event loop hands them to a few
// worker threads and goes on serving requests meanwhile. Verifications asked for during one event-loop
// turn travel together: one postMessage with one transferred buffer per thread, one answer back.
// The answers are the same as SignatureVerifier.verify's (the same checks on the same bytes); the
// event loop verifies inline when no thread is ready yet (lazy start), after a thread died, when the
// threads fall behind while the event loop has time to spare, and a lone check while no thread is at work
// and the event loop is not busy.
import { performance } from 'node:perf_hooks'
import { Worker } from 'node:worker_threads'
import type { JsonWebKey } from 'node:crypto'
import { decodeSignature, SignatureVerifier } from './signature.js'
import type { VerifierWorkerData, VerifyAnswer, VerifyBatch } from './verifier-worker.js'

export type VerifierPoolOptions = {
    /** Worker threads (at least 1). */
    size: number
    /**
     * Items in flight per thread beyond which the event loop verifies part of a batch itself, when its
     * recent utilization is below `inlineBelowUtilization`.
     */
    highWater?: number
    inlineBelowUtilization?: number
    /**
     * A lone verification (none pending beside it, none on a thread) is made on the event loop when its
     * recent utilization is below this. A thread with nothing to do sleeps, and waking it costs the
     * event loop ~75 µs (posting the message, the answer's callback), the thread 0.35 ms and the answer
     * a wait, against one P-256 check's 70-210 µs on the event loop (this 2-vCPU machine's speed swings).
     * Several at once are worth the wake. 0: never; Infinity: always.
     * Default 0.6: past that the event loop is what limits the server (joins at 400/s into rooms of ~49
     * kept it 95-100 % busy), so the check goes where there is a core to spare; measured at 200 and 400
     * joins/s, 3-5 % less event-loop time per join (profiles and alternated runs, docs/benchmarks.md).
     */
    inlineAloneBelowUtilization?: number
    /**
     * A thread answers after this many verifications of a batch, and is fed again once it has no more
     * than this many in flight. Default 8: each answer costs the event loop a message (~10 µs), and at 32
     * connections the event loop is what limits sign-ins and joins; against 4, alternated runs gave
     * 6 µs less event loop a sign-in and 4-5 a join, and more of either a second. At 16 and 32 the two
     * threads begin to take turns idling (docs/benchmarks.md, seventh pass).
     */
    answerEvery?: number
}

type Item = { body: Uint8Array; signature: Buffer; resolve: (valid: boolean) => void }

type Thread = {
    worker: Worker
    ready: boolean
    /** Items sent and not answered yet. */
    inFlight: number
    /** Batches sent and not fully answered, with how many of their first items were answered. */
    batches: Map<number, { items: Item[]; answered: number }>
}

const workerUrl = new URL('./verifier-worker.js', import.meta.url)

/** Packs a batch as verifier-worker.ts reads it. */
function packBatch(items: Item[]): ArrayBuffer {
    let bodyBytes = 0
    for (const item of items) bodyBytes += item.body.length
    const count = items.length
    const signatures = 4 * (count + 2)
    const bodies = signatures + 64 * count
    const buffer = new ArrayBuffer(bodies + bodyBytes)
    const header = new Uint32Array(buffer, 0, count + 2)
    const bytes = new Uint8Array(buffer)
    header[0] = count
    let offset = 0
    for (let i = 0; i < count; i++) {
        const item = items[i]!
        header[i + 1] = offset
        bytes.set(item.signature, signatures + 64 * i)
        bytes.set(item.body, bodies + offset)
        offset += item.body.length
    }
    header[count + 1] = offset
    return buffer
}

export class VerifierPool {
    private readonly threads: (Thread | undefined)[]
    private pending: Item[] = []
    private scheduled = false
    private closed = false
    private nextBatch = 1
    private readonly highWater: number
    private readonly inlineBelow: number
    private readonly inlineAloneBelow: number
    private readonly answerEvery: number
    private elu = performance.eventLoopUtilization()
    private eluAt = performance.now()
    private utilization = 1
    /** Restart guard: a thread that keeps dying is not restarted more than once a second. */
    private lastSpawnFailureAt = -Infinity

    constructor(
        private readonly jwk: JsonWebKey,
        private readonly inline: SignatureVerifier,
        options: VerifierPoolOptions,
    ) {
        if (!(options.size >= 1)) throw new RangeError('VerifierPool needs at least one thread')
        this.threads = new Array<Thread | undefined>(Math.floor(options.size)).fill(undefined)
        this.highWater = options.highWater ?? 64
        this.inlineBelow = options.inlineBelowUtilization ?? 0.5
        this.inlineAloneBelow = options.inlineAloneBelowUtilization ?? 0.6
        this.answerEvery = Math.max(1, Math.floor(options.answerEvery ?? 8))
    }

    /** Starts the threads now rather than at the first verification. */
    start(): void {
        for (let i = 0; i < this.threads.length; i++) this.threads[i] ??= this.spawn(i)
    }

    /** Resolves once every thread is ready to verify (tests, warm-up). */
    async ready(): Promise<void> {
        this.start()
        await Promise.all(
            this.threads.map((t) =>
                !t || t.ready
                    ? Promise.resolve()
                    : new Promise<void>((resolve, reject) => {
                          t.worker.once('online', () => resolve())
                          t.worker.once('error', reject)
                          // A thread gone before it came online: its work is done inline, nothing to wait for.
                          t.worker.once('exit', () => resolve())
                      }),
            ),
        )
    }

    /** True if `signature` (base64 r||s) signs `body`, as SignatureVerifier.verify. Never rejects. */
    verify(body: Uint8Array, signature: string): Promise<boolean> {
        const raw = decodeSignature(signature)
        if (!raw) return Promise.resolve(false)
        if (this.closed) return Promise.resolve(this.inline.verifyRaw(body, raw))
        return new Promise((resolve) => {
            this.pending.push({ body, signature: raw, resolve })
            this.schedule()
        })
    }

    private schedule(): void {
        if (this.scheduled || this.closed) return
        this.scheduled = true
        setImmediate(this.flush)
    }

    /** Verifications sent to threads and not answered yet. */
    get inFlight(): number {
        let n = 0
        for (const t of this.threads) n += t?.inFlight ?? 0
        return n
    }

    private readonly flush = (): void => {
        this.scheduled = false
        if (!this.pending.length) return
        // A lone check with no thread at work: waking one costs more than the check (inlineAloneBelowUtilization).
        if (this.pending.length === 1 && this.inFlight === 0 && this.recentUtilization() < this.inlineAloneBelow) {
            return this.verifyInline(this.pending.splice(0))
        }
        const ready: Thread[] = []
        for (let i = 0; i < this.threads.length; i++) {
            const t = (this.threads[i] ??= this.spawn(i))
            if (t?.ready) ready.push(t)
        }
        if (!ready.length) {
            const items = this.pending
            this.pending = []
            return this.verifyInline(items)
        }
        // The threads are far behind and the event loop has time: take a share of the work back.
        if (this.pending.length + this.inFlight >= ready.length * this.highWater && this.recentUtilization() < this.inlineBelow) {
            this.verifyInline(this.pending.splice(0, Math.ceil(this.pending.length / (ready.length + 1))))
        }
        this.feed(ready)
    }

    /**
     * Sends what is pending to the threads about to run out of work; a thread still busy gets nothing
     * now and is fed when it answers (one message carries more, and a busy thread is not woken for it).
     */
    private feed(threads: Thread[]): void {
        const hungry = threads.filter((t) => t.ready && t.inFlight <= this.answerEvery)
        if (!hungry.length || !this.pending.length) return
        hungry.sort((a, b) => a.inFlight - b.inFlight)
        const items = this.pending
        this.pending = []
        const chunks = Math.min(hungry.length, Math.ceil(items.length / this.answerEvery))
        const size = Math.ceil(items.length / chunks)
        for (let c = 0; c < chunks; c++) this.send(hungry[c]!, items.slice(c * size, (c + 1) * size))
    }

    readonly stats = { batches: 0, items: 0, inline: 0 }

    private send(thread: Thread, items: Item[]): void {
        if (!items.length) return
        this.stats.batches++
        this.stats.items += items.length
        const id = this.nextBatch++
        const buffer = packBatch(items)
        thread.batches.set(id, { items, answered: 0 })
        thread.inFlight += items.length
        thread.worker.postMessage({ id, buffer } satisfies VerifyBatch, [buffer])
    }

    private verifyInline(items: Item[]): void {
        this.stats.inline += items.length
        for (const item of items) item.resolve(this.inline.verifyRaw(item.body, item.signature))
    }

    /** Utilization of the event loop over the last ~100 ms, sampled lazily (1 until first sampled). */
    private recentUtilization(): number {
        const now = performance.now()
        if (now - this.eluAt >= 100) {
            const current = performance.eventLoopUtilization()
            this.utilization = performance.eventLoopUtilization(current, this.elu).utilization
            this.elu = current
            this.eluAt = now
        }
        return this.utilization
    }

    private spawn(index: number): Thread | undefined {
        if (this.closed || performance.now() - this.lastSpawnFailureAt < 1000) return undefined
        const workerData: VerifierWorkerData = { jwk: this.jwk, answerEvery: this.answerEvery }
        const worker = new Worker(workerUrl, { workerData })
        // The pool never keeps the process alive by itself: a request waiting for an answer holds its socket.
        worker.unref()
        const thread: Thread = { worker, ready: false, inFlight: 0, batches: new Map() }
        worker.once('online', () => (thread.ready = true))
        worker.on('message', ({ id, from, results }: VerifyAnswer) => {
            const batch = thread.batches.get(id)
            if (!batch) return
            const { items } = batch
            const end = from + results.length
            // A thread answers a batch in order, a few items at a time.
            batch.answered = end
            if (end >= items.length) thread.batches.delete(id)
            thread.inFlight -= results.length
            for (let i = from; i < end; i++) items[i]!.resolve(results[i - from] === 1)
            if (this.pending.length) this.feed([thread])
        })
        const lost = () => {
            if (this.threads[index] === thread) this.threads[index] = undefined
            // Whatever it had not answered is verified here: same answer, only later.
            for (const { items, answered } of thread.batches.values()) this.verifyInline(items.slice(answered))
            thread.batches.clear()
            thread.inFlight = 0
            this.schedule()
        }
        worker.on('error', () => {
            this.lastSpawnFailureAt = performance.now()
            lost()
        })
        worker.on('exit', lost)
        return thread
    }

    /** Stops the threads; verifications still in flight are answered inline. Safe to call twice. */
    async close(): Promise<void> {
        if (this.closed) return
        this.closed = true
        this.verifyInline(this.pending)
        this.pending = []
        const threads = this.threads.filter((t): t is Thread => t !== undefined)
        this.threads.fill(undefined)
        await Promise.all(threads.map((t) => t.worker.terminate()))
    }
}
