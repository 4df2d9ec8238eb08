// The one token bucket of the server: `burst` tokens, refilled evenly over `windowMs`. Time comes from
// the caller. The engine keeps buckets per player in maps; the transport holds one per connection.
export type Bucket = { tokens: number; at: number }

export type Rate = { burst: number; windowMs: number }

/** A full bucket, as a new key starts with. */
export const fullBucket = (rate: Rate, now: number): Bucket => ({ tokens: rate.burst, at: now })

/** Tokens the bucket holds at `now`: refilled since it was last used, never above the burst. */
function tokensAt(bucket: Bucket, rate: Rate, now: number): number {
    const elapsed = Math.max(0, now - bucket.at)
    return Math.min(rate.burst, bucket.tokens + (elapsed * rate.burst) / Math.max(1, rate.windowMs))
}

/** Takes one token from this bucket if there is one; mutates the bucket. */
export function takeFrom(bucket: Bucket, rate: Rate, now: number): boolean {
    bucket.tokens = tokensAt(bucket, rate, now)
    bucket.at = Math.max(bucket.at, now)
    if (bucket.tokens < 1) return false
    bucket.tokens -= 1
    return true
}

/** Takes one token from the key's bucket (a new key starts full); mutates the bucket. */
export function take(buckets: Map<string, Bucket>, key: string, rate: Rate, now: number): boolean {
    let bucket = buckets.get(key)
    if (!bucket) {
        bucket = fullBucket(rate, now)
        buckets.set(key, bucket)
    }
    return takeFrom(bucket, rate, now)
}

/** Milliseconds until a token is available (0 exactly when one is now): a Retry-After for callers outside the game. */
export function waitMs(buckets: Map<string, Bucket>, key: string, rate: Rate, now: number): number {
    const bucket = buckets.get(key)
    if (!bucket) return 0
    const tokens = tokensAt(bucket, rate, now)
    return tokens >= 1 ? 0 : Math.max(1, Math.ceil(((1 - tokens) * rate.windowMs) / rate.burst))
}
