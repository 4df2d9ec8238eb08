// A pure token bucket: `burst` tokens, refilled evenly over `windowMs`. Time comes from the caller.
export type Bucket = { tokens: number; at: number }

export type Rate = { burst: number; windowMs: number }

/** Takes one token if there is one; mutates the bucket. */
export function take(buckets: Map<string, Bucket>, key: string, rate: Rate, now: number): boolean {
    let bucket = buckets.get(key)
    if (!bucket) {
        bucket = { tokens: rate.burst, at: now }
        buckets.set(key, bucket)
    }
    const elapsed = Math.max(0, now - bucket.at)
    bucket.tokens = Math.min(rate.burst, bucket.tokens + (elapsed * rate.burst) / Math.max(1, rate.windowMs))
    bucket.at = Math.max(bucket.at, now)
    if (bucket.tokens < 1) return false
    bucket.tokens -= 1
    return true
}

/** Whether a token is available now, without taking it. */
export function peek(buckets: Map<string, Bucket>, key: string, rate: Rate, now: number): boolean {
    const bucket = buckets.get(key)
    if (!bucket) return true
    const elapsed = Math.max(0, now - bucket.at)
    return Math.min(rate.burst, bucket.tokens + (elapsed * rate.burst) / Math.max(1, rate.windowMs)) >= 1
}

/** Milliseconds until a token is available (0 when one is now): a Retry-After for callers outside the game. */
export function waitMs(buckets: Map<string, Bucket>, key: string, rate: Rate, now: number): number {
    const bucket = buckets.get(key)
    if (!bucket) return 0
    const elapsed = Math.max(0, now - bucket.at)
    const tokens = Math.min(rate.burst, bucket.tokens + (elapsed * rate.burst) / Math.max(1, rate.windowMs))
    return tokens >= 1 ? 0 : Math.ceil(((1 - tokens) * rate.windowMs) / rate.burst)
}
