// Room operations from REST, the web page and moderators, routed to the node that hosts the room: this
// node's hub when the room is live here, else a request over the cluster's delivery to the node that owns
// it (which runs the same operation on its hub). On one node every live room is here. Wired by app.ts.
import { liveView, type LiveView } from './api/room-view.js'
import type { LiveRooms } from './api/plugin.js'
import { ClusterUnavailableError, type Cluster, type ClusterRequest, type RoomCacheChange } from './cluster/cluster.js'
import type { LiveModeration } from './moderation/moderation.js'
import type { RoomHub } from './rooms/hub.js'
import type { PostChatResult } from './rooms/live-room.js'
import { asReplay } from './rooms/feed-relay.js'
import type { Replay, RoomFeeds } from './rooms/room-feeds.js'
import type { RoomRecord } from './store/store.js'

export type RoutingDeps = {
    cluster: Cluster
    /** This node's live rooms (undefined until, or without, the WebSocket layer). */
    hub: () => RoomHub | undefined
    feeds: RoomFeeds
    /** The stored record of a room (where it was placed), open or closed. */
    record: (name: string) => Promise<Pick<RoomRecord, 'name' | 'nodeId'> | undefined>
    /** Server-wide bans changed on some node: read them again; the players banned since. */
    reloadBans: () => Promise<string[]>
    /** A room's record or bans changed on some node: drop what this node's join cache holds of it. */
    forgetCached: (room: string, what: RoomCacheChange) => void
    log: { warn(obj: object, msg?: string): void }
}

type Author = { userId: string; name: string }

export class RoomRouting implements LiveRooms, LiveModeration {
    constructor(private readonly deps: RoutingDeps) {
        deps.cluster.delivery.setHandler((request) => this.handle(request))
    }

    /**
     * The node hosting a room live elsewhere; undefined when it is here, or not live on any node. Throws
     * ClusterUnavailableError when the room is another node's and this one cannot tell whether that node
     * is alive (Redis unreachable): the operation would otherwise act on a room it takes for dead.
     */
    private elsewhere(room: Pick<RoomRecord, 'name' | 'nodeId'>): string | undefined {
        const { cluster } = this.deps
        if (!cluster.multiNode || this.deps.hub()?.get(room.name)) return undefined
        const published = cluster.rooms.get(room.name)
        const node = published?.node ?? room.nodeId
        if (node === null || node === cluster.nodes.selfId) return undefined
        if (cluster.nodes.isAlive(node)) return node
        const health = cluster.health()
        if (!health.ok) throw new ClusterUnavailableError(`the room's node cannot be reached now: ${health.reason}`)
        return undefined
    }

    /**
     * Whether this node makes the room's feed events: it hosts the room, or no live node does. A room live
     * on another node has its events made there, with that node's ids, and relayed here (feed-relay.ts),
     * so that an event has one id on every node and a client may resume through any of them.
     */
    private makesFeed(roomName: string): boolean {
        try {
            return this.elsewhere({ name: roomName, nodeId: null }) === undefined
        } catch {
            return true // whether the room's node is alive cannot be told now: this node's listeners hear it from here
        }
    }

    async view(room: RoomRecord): Promise<LiveView | undefined> {
        let node: string | undefined
        try {
            node = this.elsewhere(room)
            if (node === undefined) return this.localView(room.name)
            return ((await this.deps.cluster.delivery.request(node, { type: 'roomDetails', room: room.name })) as LiveView | null) ?? undefined
        } catch (err) {
            // A read degrades to "not live" rather than failing the whole answer.
            this.deps.log.warn({ err, room: room.name, node }, 'live room view unavailable')
            return undefined
        }
    }

    async postChat(room: RoomRecord, author: Author, text: string, playersOnly = false): Promise<PostChatResult | undefined> {
        const node = this.elsewhere(room)
        if (node === undefined) return this.localChat(room.name, author, text, playersOnly)
        const request: ClusterRequest = { type: 'postChat', room: room.name, author, text, ...(playersOnly ? { playersOnly } : {}) }
        return ((await this.deps.cluster.delivery.request(node, request)) as PostChatResult | null) ?? undefined
    }

    async missedElsewhere(room: RoomRecord, lastEventId: string): Promise<Replay | undefined> {
        let node: string | undefined
        try {
            node = this.elsewhere(room)
            if (node === undefined) return undefined
            const answer = await this.deps.cluster.delivery.request(node, { type: 'feedSince', room: room.name, after: lastEventId })
            return asReplay(answer)
        } catch (err) {
            // The client reads the room afresh instead (resync).
            this.deps.log.warn({ err, room: room.name, node }, 'missed feed entries unavailable')
            return undefined
        }
    }

    async closeRoom(name: string): Promise<boolean> {
        const node = this.elsewhere(await this.placement(name))
        if (node === undefined) return this.deps.hub()?.closeRoom(name) ?? false
        return (await this.deps.cluster.delivery.request(node, { type: 'closeRoom', room: name })) === true
    }

    async kick(roomName: string, userId: string, until: number): Promise<boolean> {
        const node = this.elsewhere(await this.placement(roomName))
        const hub = this.deps.hub()
        if (node === undefined) return hub ? hub.kick(roomName, userId, until) : false
        return (await this.deps.cluster.delivery.request(node, { type: 'kick', room: roomName, userId, until })) === true
    }

    async removeEverywhere(userId: string): Promise<{ rooms: string[]; everywhere: boolean }> {
        try {
            const { answers, missed } = await this.deps.cluster.delivery.broadcast({ type: 'removeEverywhere', userId })
            const rooms = answers.flatMap((r) => (Array.isArray(r) ? r.filter((x): x is string => typeof x === 'string') : []))
            return { rooms, everywhere: missed === 0 }
        } catch (err) {
            if (!(err instanceof ClusterUnavailableError)) throw err
            // The ban is stored and holds here: the other nodes remove the player at their minute's reload of the bans.
            this.deps.log.warn({ err, userId }, 'server-wide ban not told to the other nodes')
            return { rooms: this.deps.hub()?.removeEverywhere(userId) ?? [], everywhere: false }
        }
    }

    /** false: some node could not be told (its feed's replay keeps the line until it scrolls out). */
    async removeChat(roomName: string, message: { userId: string | null; value: string; at: number }): Promise<boolean> {
        try {
            return (await this.deps.cluster.delivery.broadcast({ type: 'removeChat', room: roomName, message })).missed === 0
        } catch (err) {
            if (!(err instanceof ClusterUnavailableError)) throw err
            this.deps.log.warn({ err, room: roomName }, 'deleted chat line not told to the other nodes')
            this.deps.feeds.removeChat(roomName, message)
            return false
        }
    }

    /** A server-wide ban was lifted here: every node reads the bans again at once, rather than at its next minute's reload. */
    async serverBansChanged(): Promise<void> {
        if (!this.deps.cluster.multiNode) return
        await this.deps.cluster.delivery
            .broadcast({ type: 'reloadBans' })
            .catch((err: unknown) => this.deps.log.warn({ err }, 'lifted ban not told to the other nodes'))
    }

    /**
     * Reads the server-wide bans again (a request from another node, or the minute's reload) and removes the
     * players banned since from the live rooms here: a ban whose message this node missed still takes them out.
     */
    async reloadBans(): Promise<void> {
        this.enforceBans(await this.deps.reloadBans())
    }

    private enforceBans(banned: string[]): void {
        const hub = this.deps.hub()
        if (!hub) return
        for (const userId of banned) {
            const rooms = hub.removeEverywhere(userId)
            if (rooms.length) this.deps.log.warn({ userId, rooms }, 'server-wide ban made on another node enforced at the reload')
        }
    }

    /**
     * A room's record or bans changed here: the other nodes drop their cached copies at once rather than
     * within their join cache's second. Best effort: without Redis the second bounds it.
     */
    roomChanged(room: string, what: RoomCacheChange): void {
        if (!this.deps.cluster.multiNode) return
        this.deps.cluster.delivery
            .broadcast({ type: 'roomChanged', room, what })
            .catch((err: unknown) => this.deps.log.warn({ err, room }, 'room change not told to the other nodes'))
    }

    /**
     * Where a room lives: the shared directory says so once the room is live, the stored record from its
     * creation on (a room entered a moment ago may not have reached this node's copy of the directory yet).
     */
    private async placement(name: string): Promise<Pick<RoomRecord, 'name' | 'nodeId'>> {
        if (!this.deps.cluster.multiNode) return { name, nodeId: null }
        const node = this.deps.cluster.rooms.get(name)?.node
        return { name, nodeId: node ?? (await this.deps.record(name))?.nodeId ?? null }
    }

    private localView(name: string): LiveView | undefined {
        const room = this.deps.hub()?.get(name)
        return room ? liveView(room) : undefined
    }

    private localChat(name: string, author: Author, text: string, playersOnly: boolean): PostChatResult | undefined {
        const room = this.deps.hub()?.get(name)
        return room && !room.isClosed ? room.postChat(author, text, playersOnly) : undefined
    }

    /** Requests from other nodes (and broadcasts, this node's share). Answers are JSON (null for none). */
    private async handle(request: ClusterRequest): Promise<unknown> {
        const hub = this.deps.hub()
        switch (request.type) {
            case 'roomDetails':
                return this.localView(request.room) ?? null
            case 'postChat':
                return this.localChat(request.room, request.author, request.text, request.playersOnly === true) ?? null
            case 'closeRoom':
                return hub?.closeRoom(request.room) ?? false
            case 'kick':
                return hub ? hub.kick(request.room, request.userId, request.until) : false
            case 'removeEverywhere': {
                // The player first (their rooms are the answer), then anyone else banned since the last reload.
                const banned = await this.deps.reloadBans()
                const rooms = hub?.removeEverywhere(request.userId) ?? []
                this.enforceBans(banned)
                return rooms
            }
            case 'removeChat':
                this.deps.feeds.removeChat(request.room, request.message, this.makesFeed(request.room))
                return null
            case 'roomChanged':
                this.deps.forgetCached(request.room, request.what)
                return null
            case 'feedSince':
                return this.deps.feeds.since(request.room, request.after)
            case 'reloadBans':
                await this.reloadBans()
                return null
        }
    }
}
