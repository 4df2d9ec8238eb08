// Per-connection message budget: a token bucket for the rate (the engine's bucket), and a strike window
// that decides when a client is not merely bursty or optimistic but flooding or sending garbage on purpose.
import { fullBucket, takeFrom, type Bucket, type Rate } from '../multiplayer/rate-limit.js'

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
    /** `burst` tokens refilled at `ratePerSecond`: the whole burst comes back in burst / rate seconds. */
    private readonly rate: Rate
    private readonly bucket: Bucket
    private strikes = 0
    private windowStart: number

    constructor(
        private readonly policy: FloodPolicy,
        now: number,
    ) {
        this.rate = { burst: policy.burst, windowMs: (policy.burst * 1000) / policy.ratePerSecond }
        this.bucket = fullBucket(this.rate, now)
        this.windowStart = now
    }

    /** True when the message may be processed. */
    take(now: number): boolean {
        return takeFrom(this.bucket, this.rate, now)
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
