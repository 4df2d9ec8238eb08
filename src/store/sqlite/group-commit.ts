// Group commit: small writes asked for during one event-loop turn run together in one transaction,
// committed in a setImmediate callback (or earlier, when a read must see them). A commit costs far
// more than the statements in it (WAL frames, B-tree pages shared by the batch), so 16 sign-ins
// committed together cost a fraction of 16 commits. Each caller's promise settles only after its batch
// committed: an answer sent after it still means the data is on disk (WAL, synchronous=NORMAL: it
// survives a process crash).
// Each job names the rows it writes; a read of one of them commits the queue first (settle), reads of
// other rows leave it alone. A batch runs synchronously, so its rows are pending until it returns,
// committed or failed.
// A job that throws must fail only its own caller: the batch is rolled back and its jobs run again one
// transaction each (jobs are plain statements, safe to run twice after a rollback).
import type { Database } from 'better-sqlite3'
import { PendingWrites, type PendingKind, type Touch } from '../pending-writes.js'

type Job = { work: () => unknown; touches: readonly Touch[]; resolve: (value: any) => void; reject: (error: unknown) => void }

export class GroupCommit {
    private queue: Job[] = []
    private readonly writes = new PendingWrites<Job>()
    private scheduled = false
    private held = false
    /** afterCommit callbacks waiting for the end of a hold. */
    private waiting: (() => void)[] = []
    private readonly batch: (jobs: Job[], results: unknown[]) => void
    private readonly single: (work: () => unknown) => unknown
    /** Counters for tests and benchmarks. */
    readonly stats = { batches: 0, jobs: 0, retries: 0 }
    /** Told how long each batch took to run and commit, in seconds (metrics). */
    onCommit: ((seconds: number) => void) | undefined

    /** `onRollback` runs whenever a transaction was rolled back (its writes did not happen). */
    constructor(
        db: Database,
        private readonly onRollback: () => void = () => {},
    ) {
        const batch = db.transaction((jobs: Job[], results: unknown[]) => {
            for (let i = 0; i < jobs.length; i++) results[i] = jobs[i]!.work()
        })
        // IMMEDIATE: take the write lock at BEGIN, so another process cannot make the commit fail half way.
        this.batch = (jobs, results) => batch.immediate(jobs, results)
        const single = db.transaction((work: () => unknown) => work())
        this.single = (work) => single.immediate(work)
    }

    /** Jobs waiting for their batch. */
    get pending(): number {
        return this.queue.length
    }

    /**
     * Runs `work` (synchronous statements writing the rows in `touches`) inside the next batch; settles
     * after that batch committed.
     */
    run<T>(touches: readonly Touch[], work: () => T): Promise<T> {
        return new Promise<T>((resolve, reject) => {
            const job: Job = { work, touches, resolve, reject }
            this.queue.push(job)
            this.writes.add(touches, job)
            if (!this.scheduled) {
                this.scheduled = true
                setImmediate(this.onImmediate)
            }
        })
    }

    /** Whether a queued write touches this row. */
    has(kind: PendingKind, id: string): boolean {
        return this.writes.has(kind, id)
    }

    /** Ids of the rows of one kind that queued writes touch. */
    pendingIds(kind: PendingKind): string[] {
        return this.writes.ids(kind)
    }

    /** Commits the queue if a queued write touches this row (true), so that a read next sees it. */
    settle(kind: PendingKind, id: string): boolean {
        if (!this.writes.has(kind, id)) return false
        this.flush()
        return true
    }

    /** Commits the queue if a queued write touches any row of this kind. */
    settleKind(kind: PendingKind): void {
        if (this.writes.hasKind(kind)) this.flush()
    }

    private readonly onImmediate = (): void => {
        this.scheduled = false
        if (!this.held) this.flush()
    }

    /**
     * Commits wait until resume() (the checkpointer is finishing a checkpoint). flush() still commits:
     * a read that must see queued writes does not wait.
     */
    hold(): void {
        this.held = true
    }

    resume(): void {
        this.held = false
        if (this.waiting.length) {
            this.flush()
            const waiting = this.waiting
            this.waiting = []
            for (const then of waiting) {
                try {
                    then()
                } catch {
                    // A caller's failure is its own; the others still go (this runs in the checkpointer's message).
                }
            }
        }
        if (this.queue.length && !this.scheduled) {
            this.scheduled = true
            setImmediate(this.onImmediate)
        }
    }

    /**
     * Calls `then` once what is queued now has committed: at once (committing the queue first), or when
     * a hold ends. Frames that reveal queued writes leave in `then`; they wait out a hold like the jobs.
     */
    afterCommit(then: () => void): void {
        if (this.held && this.queue.length) {
            this.waiting.push(then)
            return
        }
        this.flush()
        then()
    }

    /** Commits what is queued now (synchronously); every job has settled when it returns. */
    flush(): void {
        const jobs = this.queue
        if (!jobs.length) return
        this.queue = []
        try {
            this.commit(jobs)
        } finally {
            for (const job of jobs) this.writes.release(job.touches, job)
        }
    }

    private commit(jobs: Job[]): void {
        this.stats.batches++
        this.stats.jobs += jobs.length
        const results = new Array<unknown>(jobs.length)
        const started = performance.now()
        try {
            this.batch(jobs, results)
        } catch (error) {
            this.onRollback()
            if (jobs.length === 1) return jobs[0]!.reject(error)
            // Rolled back as a whole: run each job on its own so that only the failing ones fail.
            this.stats.retries++
            for (const job of jobs) {
                try {
                    job.resolve(this.single(job.work))
                } catch (error) {
                    this.onRollback()
                    job.reject(error)
                }
            }
            return
        }
        for (let i = 0; i < jobs.length; i++) jobs[i]!.resolve(results[i])
        try {
            this.onCommit?.((performance.now() - started) / 1000)
        } catch {
            // Metrics only. Outside the batch's error handling: a failing hook must not make a committed
            // batch look rolled back (its jobs would run again).
        }
    }
}
