// Server-wide bans, held in memory so the hot paths (every sign-in, join and WebSocket upgrade) ask a
// Map, not the store. Loaded at start-up and reloaded every minute (the app's sweep). A ban made here holds
// here at once; the node that makes or lifts one tells the others to reload (routing.ts: removeEverywhere,
// reloadBans), and the minute's reload bounds what a lost message delays: it names the players banned
// since, whom the node then removes from its live rooms.
import type { ServerBan, Store } from '../store/store.js'

export class ServerBans {
    private bans = new Map<string, ServerBan>()

    constructor(private readonly store: Store) {}

    /** Replaces what is held with the store's running bans; the players banned now who were not before. */
    async load(now: number): Promise<string[]> {
        const before = this.bans
        this.bans = new Map((await this.store.listServerBans(now)).map((b) => [b.userId, b]))
        return [...this.bans.keys()].filter((userId) => {
            const held = before.get(userId)
            return held === undefined || held.until <= now
        })
    }

    has(userId: string, now: number): boolean {
        if (this.bans.size === 0) return false
        const ban = this.bans.get(userId)
        return ban !== undefined && ban.until > now
    }

    get(userId: string, now: number): ServerBan | undefined {
        const ban = this.bans.get(userId)
        return ban && ban.until > now ? ban : undefined
    }

    /** Written first: a ban that is not stored would not survive a restart, so it is not held either. */
    async add(ban: ServerBan): Promise<void> {
        await this.store.putServerBan(ban)
        this.bans.set(ban.userId, ban)
    }

    async remove(userId: string): Promise<boolean> {
        const removed = await this.store.deleteServerBan(userId)
        this.bans.delete(userId)
        return removed
    }

    list(now: number): ServerBan[] {
        return [...this.bans.values()].filter((b) => b.until > now)
    }
}
