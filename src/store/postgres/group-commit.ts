// Group commit for PostgreSQL: the small hot writes (sign-ins, joins, sessions, profiles) asked for during
// one event-loop turn, or while the previous batch was committing, run in one transaction. A commit waits
// for one WAL flush on the server; a batch shares it. One batch is in flight at a time, so batches commit
// in the order they were asked for, and a job waits at most for the batch ahead of it plus its own
// (bounded by maxBatch jobs). Each caller's promise settles only after its batch committed.
//
// Each job names the rows it writes; a read of one of them awaits settle() first (read-your-writes),
// while reads of other rows leave the batch alone. A job's rows stop being pending once it settled,
// committed or failed.
// A job that fails fails only its own caller: the batch is rolled back and its jobs run again one
// transaction each (jobs are plain statements, safe to run again after a rollback).
import type { PoolClient } from 'pg'
import { PendingWrites, type PendingKind, type Touch } from '../pending-writes.js'

export type Work<T> = (client: PoolClient) => Promise<T>
/** Runs `work` in one transaction (BEGIN ... COMMIT) and returns its result once committed. */
export type Transact = <T>(work: Work<T>) => Promise<T>

type Job = { work: Work<unknown>; done: Promise<unknown>; resolve: (v: unknown) => void; reject: (e: unknown) => void }

const ignore = () => {}

export class PgGroupCommit {
    private queue: Job[] = []
    private scheduled = false
    private inFlight: Promise<void> | undefined
    /** Jobs queued or committing. */
    private readonly live = new Set<Job>()
    private readonly writes = new PendingWrites<Job>()
    readonly stats = { batches: 0, jobs: 0, retries: 0 }
    /** Told how long each batch took to run and commit, in seconds (metrics). */
    onCommit: ((seconds: number) => void) | undefined

    constructor(
        private readonly transact: Transact,
        private readonly maxBatch = 256,
    ) {}

    /** Jobs queued or committing. */
    get size(): number {
        return this.live.size
    }

    /** Runs `work` (statements writing the rows in `touches`) in the next batch; settles once committed. */
    run<T>(touches: readonly Touch[], work: Work<T>): Promise<T> {
        let resolve!: (v: unknown) => void
        let reject!: (e: unknown) => void
        const done = new Promise<unknown>((res, rej) => ((resolve = res), (reject = rej)))
        const job: Job = { work, done, resolve, reject }
        this.queue.push(job)
        this.live.add(job)
        this.writes.add(touches, job)
        const forget = () => {
            this.live.delete(job)
            this.writes.release(touches, job)
        }
        done.then(forget, forget)
        this.schedule()
        return done as Promise<T>
    }

    /** Whether a write touching this row is queued or committing. */
    has(kind: PendingKind, id: string): boolean {
        return this.writes.has(kind, id)
    }

    /** Whether a queued or committing write touches a row of this kind. */
    hasKind(kind: PendingKind): boolean {
        return this.writes.hasKind(kind)
    }

    /** Ids of the rows of one kind that queued or committing writes touch. */
    pendingIds(kind: PendingKind): string[] {
        return this.writes.ids(kind)
    }

    /**
     * Resolves once every write queued so far touching this row has settled (committed or failed: a
     * failed write is read as the database has it); true when there was one to wait for.
     */
    async settle(kind: PendingKind, id: string): Promise<boolean> {
        const job = this.writes.get(kind, id)
        if (!job) return false
        await job.done.catch(ignore)
        return true
    }

    /** Resolves once every write queued so far touching a row of this kind has settled. */
    async settleKind(kind: PendingKind): Promise<void> {
        await Promise.all(this.writes.jobs(kind).map((job) => job.done.catch(ignore)))
    }

    /** Resolves once everything queued so far has settled. */
    async settleAll(): Promise<void> {
        await Promise.all([...this.live].map((job) => job.done.catch(ignore)))
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
        const started = performance.now()
        let results: unknown[]
        try {
            results = await this.transact(async (client) => {
                const out: unknown[] = []
                for (const job of jobs) out.push(await job.work(client))
                return out
            })
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
            return
        }
        jobs.forEach((job, i) => job.resolve(results[i]))
        try {
            this.onCommit?.((performance.now() - started) / 1000)
        } catch {
            // Metrics only. Outside the batch's error handling: a failing hook must not make a committed
            // batch look rolled back (its jobs would run again).
        }
    }
}
