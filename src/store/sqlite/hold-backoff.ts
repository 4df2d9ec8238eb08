// When the checkpoint thread may hold the commits (checkpointer.ts). A hold is meant to last a few
// milliseconds (the last frames copied, two fsyncs); one that runs out its time limit means the disk is
// slow right now, and every commit, answer and room frame waited the whole limit. So after a hold that
// ran out, holds are declined for a while, doubling each time one runs out again, back to none after one
// that ends in time. Meanwhile the thread goes on copying the WAL (PASSIVE checkpoints block nobody); the
// WAL only grows, bounded by the store's own checkpoint at `wal_autocheckpoint`.
export class HoldBackoff {
    private delayMs = 0
    private notBefore = -Infinity

    constructor(
        private readonly firstMs = 500,
        private readonly maxMs = 8000,
    ) {}

    /** Whether a hold asked for at `now` may start. */
    allows(now: number): boolean {
        return now >= this.notBefore
    }

    /** A hold ended at `now`: by its time limit (`ranOut`) or by the thread's resume. */
    ended(now: number, ranOut: boolean): void {
        if (!ranOut) {
            this.delayMs = 0
            this.notBefore = -Infinity
            return
        }
        this.delayMs = Math.min(this.maxMs, Math.max(this.firstMs, this.delayMs * 2))
        this.notBefore = now + this.delayMs
    }
}
