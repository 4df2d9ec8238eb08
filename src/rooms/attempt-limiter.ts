// Counts attempts per key in a sliding window (wrong room passwords per player and per room, rooms
// created per player).
// In memory: one node's view. A limit that must hold across nodes moves to Redis with the cluster layer.
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
