// What moderators do (the /api/admin routes call this): read and resolve reports with the reported
// player's chat, close rooms, kick players, ban players server-wide, delete chat lines. Every action is
// written to the audit log; the store keeps it, the live rooms (when this node hosts them) act at once.
import type { RoomDirectory } from '../rooms/directory.js'
import type { RoomFeeds } from '../rooms/room-feeds.js'
import type { AuditEntry, ServerBan, Store, StoredChatMessage, StoredReport } from '../store/store.js'
import type { ServerBans } from './server-bans.js'

/**
 * What the live side offers moderators, on whichever node hosts the room (src/routing.ts); absent without
 * the WebSocket layer.
 */
export interface LiveModeration {
    /** Closes a live room; false when it is not live. */
    closeRoom(name: string): Promise<boolean>
    /** Removes a member of a live room (their room ban until `until` is recorded either way). */
    kick(roomName: string, userId: string, until: number): Promise<boolean>
    /**
     * Removes a player from every live room of every node: the rooms they were in, and whether every node was
     * told (when not, the others remove them at their minute's reload of the bans).
     */
    removeEverywhere(userId: string): Promise<{ rooms: string[]; everywhere: boolean }>
    /** Takes a deleted chat line out of the room's feed on every node; false when some node could not be told. */
    removeChat(roomName: string, message: { userId: string | null; value: string; at: number }): Promise<boolean>
    /** Server-wide bans changed here (one lifted): every node reads them again. */
    serverBansChanged(): Promise<void>
}

export type ReportWithContext = StoredReport & { context: StoredChatMessage[] }

export type ModerationDeps = {
    store: Store
    directory: RoomDirectory
    feeds: RoomFeeds
    serverBans: ServerBans
    live: () => LiveModeration | undefined
    now: () => number
    /** How long a moderator's kick keeps the player out of the room. */
    kickBanMs: number
}

/** Lines of the reported player's chat shown with a report. */
const contextLines = 20
/** Chat written shortly after the report still belongs to its context (the report may come first). */
const contextAfterMs = 60_000

export class Moderation {
    constructor(private readonly deps: ModerationDeps) {}

    private audit(action: string, target: string, details: Record<string, unknown>): Promise<number> {
        return this.deps.store.insertAuditEntry({ at: this.deps.now(), action, target, details })
    }

    async reports(options: { open: boolean; limit: number }): Promise<ReportWithContext[]> {
        const reports = await this.deps.store.listReports({ open: options.open, limit: options.limit })
        return Promise.all(
            reports.map(async (r) => ({
                ...r,
                context: await this.deps.store.listUserChat(r.roomName, r.targetId, { until: r.at + contextAfterMs, limit: contextLines }),
            })),
        )
    }

    /** undefined: no such report, or already resolved. */
    async resolveReport(id: number, note: string): Promise<StoredReport | undefined> {
        const resolved = await this.deps.store.resolveReport(id, { at: this.deps.now(), note })
        if (resolved) await this.audit('report.resolve', `report:${id}`, { note, room: resolved.roomName, target: resolved.targetId })
        return resolved
    }

    /** false: no open room of that name. */
    async closeRoom(name: string, reason: string): Promise<boolean> {
        const room = await this.deps.directory.getOpen(name)
        if (!room) return false
        // Live here: the hub tells the players and closes the sockets (and publishes to the feed). The
        // record is marked closed here either way, so the answer leaves only once that is written.
        const live = (await this.deps.live()?.closeRoom(name)) ?? false
        await this.deps.directory.close(name, this.deps.now())
        if (!live) this.deps.feeds.publish(name, { type: 'closed' })
        await this.audit('room.close', `room:${name}`, { reason, live })
        return true
    }

    /** false: no open room of that name. `connected`: whether the player was in it live. */
    async kick(roomName: string, userId: string, reason: string): Promise<{ connected: boolean } | false> {
        if (!(await this.deps.directory.getOpen(roomName))) return false
        const until = this.deps.now() + this.deps.kickBanMs
        const live = this.deps.live()
        const connected = live ? await live.kick(roomName, userId, until) : false
        if (!live) await this.deps.directory.ban(roomName, userId, until)
        await this.audit('room.kick', `user:${userId}`, { room: roomName, reason, until, connected })
        return { connected }
    }

    /**
     * `rooms`: the live rooms the player was removed from now; `everywhere`: false when some node could not be
     * told (Redis unreachable, or a node that did not answer), which then removes them within a minute.
     */
    async ban(userId: string, durationMs: number, reason: string): Promise<{ ban: ServerBan; rooms: string[]; everywhere: boolean }> {
        const now = this.deps.now()
        const ban: ServerBan = { userId, until: now + durationMs, reason, createdAt: now }
        await this.deps.serverBans.add(ban)
        const { rooms, everywhere } = (await this.deps.live()?.removeEverywhere(userId)) ?? { rooms: [], everywhere: true }
        await this.audit('user.ban', `user:${userId}`, { until: ban.until, reason, rooms, everywhere })
        return { ban, rooms, everywhere }
    }

    async unban(userId: string): Promise<boolean> {
        const removed = await this.deps.serverBans.remove(userId)
        if (!removed) return false
        await this.deps.live()?.serverBansChanged()
        await this.audit('user.unban', `user:${userId}`, {})
        return true
    }

    bans(): ServerBan[] {
        return this.deps.serverBans.list(this.deps.now())
    }

    /** undefined: no chat line with that id. The line leaves the stored history and the room's feed. */
    async deleteChat(id: number, reason: string): Promise<StoredChatMessage | undefined> {
        const message = await this.deps.store.deleteChatMessage(id)
        if (!message) return undefined
        const live = this.deps.live()
        let everywhere = true
        if (live) everywhere = await live.removeChat(message.roomName, message)
        else this.deps.feeds.removeChat(message.roomName, message)
        await this.audit('chat.delete', `chat:${id}`, { room: message.roomName, user: message.userId, value: message.value, reason, everywhere })
        return message
    }

    auditLog(options: { before?: number; limit: number }): Promise<AuditEntry[]> {
        return this.deps.store.listAuditEntries(options)
    }
}
