// WAL checkpoints off the event loop. A checkpoint (copying the WAL into the database file, with its
// fsyncs) runs on the connection that triggers it; with SQLite's default that is the committing one,
// i.e. the event loop, and it costs as much as the commits themselves. So a worker thread with its own
// connection does them (checkpoint-worker.ts); the event loop's connection only checkpoints past a hard
// bound (`wal_autocheckpoint`), which keeps the WAL from growing without limit should the thread lag
// or die. Durability is unchanged: commits are what make data survive a crash, checkpoints move it.
// The thread sometimes asks the store to hold its commits for a moment (see checkpoint-worker.ts):
// `hold` and `resume` are the store's; a hold longer than `maxHoldMs` ends by itself, and the next ones
// are declined for a while (hold-backoff.ts).
import { Worker } from 'node:worker_threads'
import type { CheckpointWorkerData, FromCheckpointWorker, ToCheckpointWorker } from './checkpoint-worker.js'
import { HoldBackoff } from './hold-backoff.js'

export type CheckpointerOptions = {
    path: string
    /** Stop committing until resume() (new commits wait; a commit a read needs may still happen). */
    hold: () => void
    resume: () => void
    /** How often the thread looks for new commits (default 100 ms). */
    intervalMs?: number
    /** Quiet time after which the WAL file is truncated (default 2 s). */
    idleMs?: number
    /**
     * WAL size in frames past which the thread makes the WAL start over (default 16384: 64 MiB). Each
     * restart holds the commits, and with them the rooms' frames, for a few milliseconds: at 16 MiB that
     * came every second at 400 joins/s (44 holds in 40 s, 323 ms in all), at 64 MiB 8 holds, 28 ms.
     */
    restartFrames?: number
    /**
     * Longest hold (default 20 ms). Holds take 3-8 ms at 400 joins/s on the bench machine; a rare slow
     * fsync made one last the old limit, 50 ms, and the joins queued behind it set that run's p99.
     */
    maxHoldMs?: number
    /** Backoff after a hold that ran out (hold-backoff.ts; tests). */
    backoff?: HoldBackoff
    /**
     * Called when a checkpoint fails (not for a busy lock), when the thread cannot start, and when it
     * stops without being asked to; the store goes on, checkpointing at the hard bound.
     */
    onError?: (error: Error) => void
    /** Told how long each hold lasted, in seconds (metrics: commits queued behind it waited as long). */
    onHold?: (seconds: number) => void
}

const workerUrl = new URL('./checkpoint-worker.js', import.meta.url)

export class Checkpointer {
    private readonly worker: Worker
    private readonly exited: Promise<void>
    private holdTimer: NodeJS.Timeout | undefined
    private heldSince = 0
    private closing = false
    /** The thread died of an error already reported: its exit says nothing new. */
    private crashed = false
    private readonly backoff: HoldBackoff
    /** Counters for tests and benchmarks: holds begun, WAL restarts, holds that ran out, holds declined. */
    readonly stats = { holds: 0, restarts: 0, ranOut: 0, declined: 0 }

    constructor(private readonly options: CheckpointerOptions) {
        this.backoff = options.backoff ?? new HoldBackoff()
        const workerData: CheckpointWorkerData = {
            path: options.path,
            intervalMs: options.intervalMs ?? 100,
            idleMs: options.idleMs ?? 2000,
            restartFrames: options.restartFrames ?? 16384,
        }
        this.worker = new Worker(workerUrl, { workerData })
        // Never what keeps a process alive.
        this.worker.unref()
        this.worker.on('message', (message: FromCheckpointWorker) => this.onMessage(message))
        this.worker.on('error', (error: unknown) => {
            this.crashed = true
            this.fail(error instanceof Error ? error : new Error(`the checkpoint thread failed: ${JSON.stringify(error)}`))
        })
        this.exited = new Promise((resolve) =>
            this.worker.once('exit', (code) => {
                this.endHold()
                if (!this.closing && !this.crashed)
                    this.fail(new Error(`the checkpoint thread stopped (exit code ${code}); checkpoints now run on the event loop`))
                resolve()
            }),
        )
    }

    private fail(error: Error): void {
        try {
            this.options.onError?.(error)
        } catch {
            // A broken logger must not take the store down.
        }
    }

    private onMessage(message: FromCheckpointWorker): void {
        if (message.type === 'error') {
            this.fail(Object.assign(new Error(`WAL checkpoint failed: ${message.message}`), { code: message.code }))
        } else if (message.type === 'hold') {
            if (this.holdTimer) return
            if (!this.backoff.allows(performance.now())) {
                this.stats.declined++
                return this.post({ type: 'declined' })
            }
            this.stats.holds++
            this.heldSince = performance.now()
            this.options.hold()
            this.holdTimer = setTimeout(() => this.endHold(true), this.options.maxHoldMs ?? 20)
            this.post({ type: 'held' })
        } else if (message.type === 'resume') {
            // After a hold that ran out, commits went on meanwhile: its restart says nothing.
            if (message.restarted && this.holdTimer) this.stats.restarts++
            this.endHold(false)
        }
    }

    /** `ranOut`: by the time limit rather than the thread's resume. */
    private endHold(ranOut = false): void {
        if (!this.holdTimer) return
        clearTimeout(this.holdTimer)
        this.holdTimer = undefined
        if (ranOut) this.stats.ranOut++
        this.backoff.ended(performance.now(), ranOut)
        this.options.resume()
        try {
            this.options.onHold?.((performance.now() - this.heldSince) / 1000)
        } catch {
            // Metrics only.
        }
    }

    private post(message: ToCheckpointWorker): void {
        this.worker.postMessage(message)
    }

    /** Stops the thread and closes its connection (before the store closes its own). */
    async close(): Promise<void> {
        this.closing = true
        this.endHold()
        this.post({ type: 'close' })
        const timeout = setTimeout(() => void this.worker.terminate(), 2000)
        await this.exited
        clearTimeout(timeout)
    }
}
