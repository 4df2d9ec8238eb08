// Short-lived answers to the reads every join makes in the room directory: the open room's record, the
// room's bans, and a player's unlock of a private room. A join otherwise reads all three from the store
// for each player, and most joins go to a few busy rooms.
//
// Staleness is bounded: an entry lives at most `ttlMs` (about a second), and the directory drops it at
// once on a change made on this node (room update or close, ban, a live room's kick, title or options)
// and, with several nodes, on one another node tells of (a 'roomChanged' broadcast, sent once the change
// is written). A change nobody tells of (a write to the store by hand, a node cut off from Redis) shows
// within the TTL, and the node that owns the room checks bans and seats again, uncached, when the socket
// arrives (hub.admit). What is cached:
// - an open room's record (a missing or closed room is never cached: a room that appears is seen at once);
// - a room's running bans, all of them (a room has few), so the answer for any player is known;
// - an unlock, only when there is one (a refusal is not cached: an unlock on another node counts at once).
import type { RoomRecord } from '../store/store.js'

export type JoinCacheOptions = {
    /** How long an answer is reused; 0 turns the cache off. */
    ttlMs: number
    /** Entries per kind before the oldest are dropped (a bound on memory, not a working-set size). */
    maxEntries?: number
}

type Entry<T> = { value: T; until: number }

export class JoinCache {
    private readonly ttlMs: number
    private readonly maxEntries: number
    private readonly rooms = new Map<string, Entry<RoomRecord>>()
    private readonly bans = new Map<string, Entry<Map<string, number>>>()
    private readonly unlocks = new Map<string, Entry<true>>()
    /**
     * Bumped by every invalidation: a load that was in flight across one is answered but not kept, so a
     * read from before a change cannot outlive the change in the cache.
     */
    private epoch = 0

    constructor(options: JoinCacheOptions) {
        this.ttlMs = options.ttlMs
        this.maxEntries = options.maxEntries ?? 10_000
    }

    /** The open room, from the cache or `load` (which answers undefined for a missing or closed room). */
    room(name: string, now: number, load: () => Promise<RoomRecord | undefined>): Promise<RoomRecord | undefined> {
        return this.cached(this.rooms, name, now, load, (room) => room !== undefined && room.closedAt === null)
    }

    /** Whether the player is banned from the room, from the room's cached bans or `load` (all its running bans). */
    async isBanned(roomName: string, userId: string, now: number, load: () => Promise<Map<string, number>>): Promise<boolean> {
        const bans = await this.cached(this.bans, roomName, now, load, () => true)
        return (bans.get(userId) ?? -Infinity) > now
    }

    /** Whether the player unlocked the private room, from the cache (a yes only) or `load`. */
    async isUnlocked(roomName: string, userId: string, now: number, load: () => Promise<boolean>): Promise<boolean> {
        const unlocked = await this.cached(
            this.unlocks,
            `${roomName}\n${userId}`,
            now,
            async () => ((await load()) ? true : undefined),
            (yes) => yes === true,
        )
        return unlocked === true
    }

    /** The room changed or closed here: its record, bans and unlocks are read again on the next join. */
    forgetRoom(name: string): void {
        this.epoch++
        this.rooms.delete(name)
        this.bans.delete(name)
        const prefix = `${name}\n`
        for (const key of this.unlocks.keys()) if (key.startsWith(prefix)) this.unlocks.delete(key)
    }

    /** A ban was added here: the room's bans are read again on the next join. */
    forgetBans(roomName: string): void {
        this.epoch++
        this.bans.delete(roomName)
    }

    /** Drops expired entries (the directory's periodic sweep). */
    sweep(now: number): void {
        for (const map of [this.rooms, this.bans, this.unlocks] as Map<string, Entry<unknown>>[]) {
            for (const [key, entry] of map) if (entry.until <= now) map.delete(key)
        }
    }

    private async cached<T>(map: Map<string, Entry<T>>, key: string, now: number, load: () => Promise<T>, keep: (value: T) => boolean): Promise<T> {
        const hit = map.get(key)
        if (hit && hit.until > now && hit.until - this.ttlMs <= now) return hit.value // not from a clock that went back
        const epoch = this.epoch
        const value = await load()
        if (this.ttlMs > 0 && epoch === this.epoch && keep(value)) {
            if (map.size >= this.maxEntries) map.delete(map.keys().next().value!)
            map.set(key, { value, until: now + this.ttlMs })
        } else if (hit) {
            map.delete(key)
        }
        return value
    }
}
