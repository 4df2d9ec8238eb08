// Per-connection message budget: a token bucket for the rate, and a strike window that decides when a
// client is not merely bursty or optimistic but flooding or sending garbage on purpose.
export type FloodPolicy = {
    /** Sustained messages per second a client may send. */
    ratePerSecond: number
    /** Burst above the rate that is still accepted. */
    burst: number
    /** Dropped or refused messages tolerated within `strikeWindowMs` before the client is cut off. */
    maxStrikes: number
    strikeWindowMs: number
}

export const defaultFloodPolicy: FloodPolicy = { ratePerSecond: 20, burst: 40, maxStrikes: 100, strikeWindowMs: 10_000 }

export class FloodGuard {
    private tokens: number
    private refilledAt: number
    private strikes = 0
    private windowStart: number

    constructor(
        private readonly policy: FloodPolicy,
        now: number,
    ) {
        this.tokens = policy.burst
        this.refilledAt = now
        this.windowStart = now
    }

    /** True when the message may be processed. */
    take(now: number): boolean {
        const elapsed = now - this.refilledAt
        if (elapsed > 0) {
            this.tokens = Math.min(this.policy.burst, this.tokens + (elapsed * this.policy.ratePerSecond) / 1000)
            this.refilledAt = now
        }
        if (this.tokens < 1) return false
        this.tokens -= 1
        return true
    }

    /** Records a dropped or refused message; true when the client passed the bound and must go. */
    strike(now: number): boolean {
        if (now - this.windowStart > this.policy.strikeWindowMs) {
            this.windowStart = now
            this.strikes = 0
        }
        this.strikes += 1
        return this.strikes > this.policy.maxStrikes
    }
}
