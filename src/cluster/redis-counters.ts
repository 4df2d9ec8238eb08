// Attempt counters shared by every node: one sorted set per counter and key (member unique per attempt,
// score = its time), expiring with the window. reserve (check and count) and fail (count, keep the last
// `max`) are Lua scripts, so two nodes cannot both take the last attempt. The semantics are those of
// AttemptLimiter (attempt-limiter.ts). While Redis is unreachable every call rejects with
// ClusterUnavailableError.
import { randomBytes } from 'node:crypto'
import type { AttemptCounter, AttemptCounters } from './cluster.js'
import { defineScript, type RedisLink } from './redis-connection.js'
import type { ClusterKeys } from './redis-keys.js'

// Common ARGV: now, window ms, max, member. Attempts at or before now - window have left the window.
const prologue = `
local function int(x) return string.format('%.0f', x) end
local now, window, max = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', int(now - window))
`

const reserveLua = `${prologue}
if redis.call('ZCARD', KEYS[1]) >= max then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`

const failLua = `${prologue}
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(max + 1))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`

// ARGV: at. Removes one attempt counted at `at`.
const refundLua = `
local found = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[1], 'LIMIT', 0, 1)
if found[1] then redis.call('ZREM', KEYS[1], found[1]) end
return found[1] and 1 or 0
`

class RedisAttemptCounter implements AttemptCounter {
    constructor(
        private readonly name: string,
        private readonly max: number,
        private readonly windowMs: number,
        private readonly link: RedisLink,
        private readonly keys: ClusterKeys,
        private readonly scripts: Scripts,
    ) {}

    isLimited(key: string, now: number): Promise<boolean> {
        return this.link.run(async (redis) => (await redis.zcount(this.key(key), `(${now - this.windowMs}`, '+inf')) >= this.max)
    }

    async fail(key: string, now: number): Promise<void> {
        await this.link.run(() => this.scripts.fail(this.key(key), now, this.expiry, this.max, member(now)))
    }

    reserve(key: string, now: number): Promise<boolean> {
        return this.link.run(async () => (await this.scripts.reserve(this.key(key), now, this.expiry, this.max, member(now))) === 1)
    }

    async refund(key: string, now: number): Promise<void> {
        await this.link.run(() => this.scripts.refund(this.key(key), now))
    }

    retryAfterMs(key: string, now: number): Promise<number> {
        return this.link.run(async (redis) => {
            const list = await redis.zrangebyscore(this.key(key), `(${now - this.windowMs}`, '+inf', 'WITHSCORES')
            const times = list.filter((_, i) => i % 2 === 1).map(Number)
            if (times.length < this.max) return 0
            return times[times.length - this.max]! + this.windowMs - now
        })
    }

    /** Nothing to forget here: the keys expire in Redis. */
    sweep(_now: number): void {}

    private get expiry(): number {
        return Math.max(1, Math.ceil(this.windowMs))
    }

    private key(key: string): string {
        return this.keys.attempts(this.name, key)
    }
}

/** A member unique per attempt (several attempts may share a millisecond). */
function member(now: number): string {
    return `${now}:${randomBytes(6).toString('base64url')}`
}

type Scripts = { reserve: Script; fail: Script; refund: Script }
type Script = (...args: (string | number)[]) => Promise<unknown>

export function redisCounters(link: RedisLink, keys: ClusterKeys): AttemptCounters {
    const scripts: Scripts = {
        reserve: defineScript(link.command, 'ensembleAttemptReserve', 1, reserveLua),
        fail: defineScript(link.command, 'ensembleAttemptFail', 1, failLua),
        refund: defineScript(link.command, 'ensembleAttemptRefund', 1, refundLua),
    }
    return { counter: (name, max, windowMs) => new RedisAttemptCounter(name, max, windowMs, link, keys, scripts) }
}
