// Bounds password-hash work (scrypt: 128 MiB and ~0.5 s of a libuv thread per call at the default cost).
// At most `running` jobs run at once on the server and at most `queued` more wait their turn, so memory
// and the thread pool stay bounded under attack while an honest player waits a moment rather than being
// refused. Each key (a player) has at most `perKey` jobs pending: the app sends one search at a time, so
// more from one player is a burst, refused at once instead of filling the queue.
// Admission is synchronous: a refused caller can give back what it reserved before anyone else runs.

export type GateRefusal = 'passwordCheckPending' | 'passwordChecksBusy'

export type GateLimits = { running: number; queued: number; perKey: number }

export type GateAdmission<T> = { ok: true; result: Promise<T> } | { ok: false; reason: GateRefusal }

export class KdfGate {
    private active = 0
    private readonly waiting: (() => void)[] = []
    private readonly pending = new Map<string, number>()

    constructor(private readonly limits: GateLimits) {}

    /** Runs `job` now or after the jobs ahead of it, or refuses at once. */
    tryRun<T>(key: string, job: () => Promise<T>): GateAdmission<T> {
        const mine = this.pending.get(key) ?? 0
        if (mine >= this.limits.perKey) return { ok: false, reason: 'passwordCheckPending' }
        if (this.active >= this.limits.running && this.waiting.length >= this.limits.queued) return { ok: false, reason: 'passwordChecksBusy' }
        this.pending.set(key, mine + 1)
        const result = this.slot()
            .then(job)
            .finally(() => {
                this.release()
                const left = this.pending.get(key)! - 1
                if (left) this.pending.set(key, left)
                else this.pending.delete(key)
            })
        return { ok: true, result }
    }

    /** Jobs running and waiting (for tests and metrics). */
    get load(): { running: number; queued: number } {
        return { running: this.active, queued: this.waiting.length }
    }

    /** Takes a running slot (synchronously when one is free) or waits for one handed over by release(). */
    private slot(): Promise<void> {
        if (this.active < this.limits.running) {
            this.active++
            return Promise.resolve()
        }
        return new Promise((resolve) => this.waiting.push(resolve))
    }

    private release(): void {
        const next = this.waiting.shift()
        if (next)
            next() // the slot passes to the next job: `active` is unchanged
        else this.active--
    }
}
