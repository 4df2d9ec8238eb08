// Counts attempts per key in a sliding window (wrong room passwords per player and per room, rooms
// created per player). An attempt whose outcome is not known yet is reserved (counted at once, so
// concurrent attempts cannot all pass the check) and refunded when it turns out not to count.
// In memory: one node's view (local.ts); several nodes count in Redis (redis.ts).
export class AttemptLimiter {
    private readonly failures = new Map<string, number[]>()

    constructor(
        private readonly max: number,
        private readonly windowMs: number,
    ) {}

    /** True when `key` has used up its failures for the current window. */
    isLimited(key: string, now: number): boolean {
        return this.recent(key, now).length >= this.max
    }

    fail(key: string, now: number): void {
        const list = this.recent(key, now)
        list.push(now)
        if (list.length > this.max) list.splice(0, list.length - this.max)
        this.failures.set(key, list)
    }

    /**
     * Counts an attempt now if the window has room for it: true, and `refund(key, now)` takes it back;
     * false when the key is limited. Check and count are one synchronous step.
     */
    reserve(key: string, now: number): boolean {
        if (this.isLimited(key, now)) return false
        this.fail(key, now)
        return true
    }

    /** Takes back one attempt counted at `at` (a reservation that did not count); gone already: nothing. */
    refund(key: string, at: number): void {
        const list = this.failures.get(key)
        const i = list?.lastIndexOf(at) ?? -1
        if (i < 0) return
        list!.splice(i, 1)
        if (!list!.length) this.failures.delete(key)
    }

    /** Milliseconds until `key` may try again (0: not limited). */
    retryAfterMs(key: string, now: number): number {
        const list = this.recent(key, now)
        if (list.length < this.max) return 0
        return list[list.length - this.max]! + this.windowMs - now
    }

    reset(key: string): void {
        this.failures.delete(key)
    }

    /** Forgets keys with no failure inside the window. */
    sweep(now: number): void {
        for (const key of [...this.failures.keys()]) if (!this.recent(key, now).length) this.failures.delete(key)
    }

    private recent(key: string, now: number): number[] {
        const list = this.failures.get(key)
        if (!list) return []
        const from = now - this.windowMs
        let i = 0
        while (i < list.length && list[i]! <= from) i++
        if (i) list.splice(0, i)
        return list
    }
}
