// Group commit for PostgreSQL: the small hot writes (sign-ins, joins, sessions, profiles) asked for during
// one event-loop turn, or while the previous batch was committing, run in one transaction. A commit waits
// for one WAL flush on the server; a batch shares it. One batch is in flight at a time, so batches commit
// in the order they were asked for, and a job waits at most for the batch ahead of it plus its own
// (bounded by maxBatch jobs). Each caller's promise settles only after its batch committed.
//
// Pending-write bookkeeping lives here: each job names the keys it writes ("session:<hash>", ...), and a
// read that could see one of them awaits settle(key) first (read-your-writes), while reads of other
// keys leave the batch alone.
// A job that fails fails only its own caller: the batch is rolled back and its jobs run again one
// transaction each (jobs are plain statements, safe to run again after a rollback).
import type { PoolClient } from 'pg'

export type Work<T> = (client: PoolClient) => Promise<T>
/** Runs `work` in one transaction (BEGIN ... COMMIT) and returns its result once committed. */
export type Transact = <T>(work: Work<T>) => Promise<T>

type Job = { work: Work<unknown>; keys: readonly string[]; done: Promise<unknown>; resolve: (v: unknown) => void; reject: (e: unknown) => void }

export class PgGroupCommit {
    private queue: Job[] = []
    private scheduled = false
    private inFlight: Promise<void> | undefined
    /** Last job writing each key, until it settles. */
    private readonly pending = new Map<string, Promise<unknown>>()
    readonly stats = { batches: 0, jobs: 0, retries: 0 }
    /** Told how long each batch took to run and commit, in seconds (metrics). */
    onCommit: ((seconds: number) => void) | undefined

    constructor(
        private readonly transact: Transact,
        private readonly maxBatch = 256,
    ) {}

    /** Jobs queued or committing. */
    get size(): number {
        return this.pending.size + this.queue.length
    }

    run<T>(keys: readonly string[], work: Work<T>): Promise<T> {
        let resolve!: (v: unknown) => void
        let reject!: (e: unknown) => void
        const done = new Promise<unknown>((res, rej) => ((resolve = res), (reject = rej)))
        const job: Job = { work, keys, done, resolve, reject }
        this.queue.push(job)
        for (const key of keys) this.pending.set(key, done)
        const forget = () => {
            for (const key of keys) if (this.pending.get(key) === done) this.pending.delete(key)
        }
        done.then(forget, forget)
        this.schedule()
        return done as Promise<T>
    }

    /** Resolves once every write queued so far under `key` has settled (committed or failed). */
    async settle(key: string): Promise<void> {
        const p = this.pending.get(key)
        if (p) await p.catch(() => {})
    }

    /** Whether a write under `key` is queued or committing. */
    has(key: string): boolean {
        return this.pending.has(key)
    }

    /** The keys with this prefix that have writes queued or committing. */
    keys(prefix: string): string[] {
        return [...this.pending.keys()].filter((k) => k.startsWith(prefix))
    }

    /** Resolves once every write queued so far under a key with this prefix has settled. */
    async settlePrefix(prefix: string): Promise<void> {
        const waits: Promise<unknown>[] = []
        for (const [key, p] of this.pending) if (key.startsWith(prefix)) waits.push(p.catch(() => {}))
        await Promise.all(waits)
    }

    /** Resolves once everything queued so far has settled. */
    async settleAll(): Promise<void> {
        await Promise.all([...this.queue.map((j) => j.done.catch(() => {})), ...[...this.pending.values()].map((p) => p.catch(() => {}))])
    }

    private schedule(): void {
        if (this.scheduled || this.inFlight) return
        this.scheduled = true
        setImmediate(() => {
            this.scheduled = false
            this.flush()
        })
    }

    private flush(): void {
        if (this.inFlight || !this.queue.length) return
        const jobs = this.queue.splice(0, this.maxBatch)
        this.stats.batches++
        this.stats.jobs += jobs.length
        this.inFlight = this.commit(jobs).finally(() => {
            this.inFlight = undefined
            // What queued meanwhile goes now: it has already waited one commit.
            if (this.queue.length) this.flush()
        })
    }

    private async commit(jobs: Job[]): Promise<void> {
        const started = this.onCommit && performance.now()
        try {
            const results = await this.transact(async (client) => {
                const out: unknown[] = []
                for (const job of jobs) out.push(await job.work(client))
                return out
            })
            if (started !== undefined) this.onCommit!((performance.now() - started) / 1000)
            jobs.forEach((job, i) => job.resolve(results[i]))
        } catch (error) {
            if (jobs.length === 1) return jobs[0]!.reject(error)
            // Rolled back as a whole: run each job on its own so that only the failing ones fail.
            this.stats.retries++
            for (const job of jobs) {
                try {
                    job.resolve(await this.transact(job.work))
                } catch (e) {
                    job.reject(e)
                }
            }
        }
    }
}
