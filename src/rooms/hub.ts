// The live rooms of this node: opens a room's engine when its first player arrives, admits players
// (exists, not banned, a seat free), answers the directory's questions about live rooms, and closes
// everything on shutdown. Kicks' bans are kept in memory too (ban-list.ts).
import type { JoinTicket } from '../auth/join-sessions.js'
import type { LiveDirectory } from '../cluster/cluster.js'
import type { RoomRecord } from '../store/store.js'
import { defaultRoomOptions, defaultReportUserOptions, type EngineLimits, type RoomInit } from '../multiplayer/index.js'
import { checkSeat, type RoomAdmitter } from './admission.js'
import { CloseCode } from './close-codes.js'
import { BanList } from './ban-list.js'
import type { LiveRoomInfo, LiveRoomSource } from './live-info.js'
import { LiveRoom, type LiveRoomDeps, type RoomPersistence } from './live-room.js'

/** What the hub needs to know of a stored room to open it; saved option values, if any, are restored. */
export type OpenableRoom = Pick<RoomRecord, 'name' | 'title' | 'creatorId' | 'maxPlayers' | 'allowOtherServers'> &
    Partial<Pick<RoomRecord, 'optionValues'>>

export type HubDeps = Omit<LiveRoomDeps, 'onClosed'> & {
    loadRoom(name: string): Promise<OpenableRoom | undefined>
    isBanned(roomName: string, userId: string, now: number): Promise<boolean>
    /** Engine limits overriding the defaults (chat rate, suggestions, ...). */
    limits?: Partial<EngineLimits>
    /**
     * A live room closed: empty past the idle timeout, by a moderator, or because the store says it is
     * closed (`swept`: the other nodes took this one for dead and closed it).
     */
    roomClosed?: (name: string, why: RoomCloseReason) => void
    /** Several nodes: each live room's facts are published to the shared directory under this node's id. */
    shared?: { directory: LiveDirectory; nodeId: string }
}

/** How long a room closed here stays unopenable whatever a store read says: far past any read in flight. */
const closedMemoryMs = 60_000

export type RoomCloseReason = 'idle' | 'moderator' | 'swept'

export class RoomHub implements RoomAdmitter, LiveRoomSource {
    private readonly rooms = new Map<string, LiveRoom>()
    /** Opening a room is async (store read); concurrent first joins share one opening. */
    private readonly opening = new Map<string, Promise<LiveRoom | undefined>>()
    /** Bans of kicks made here, held whatever became of their store write (and after the room closed). */
    private readonly bans = new BanList()
    /** The rooms' persistence, with kicks' bans remembered before they are written. */
    private readonly persistence: RoomPersistence
    /** Rooms whose facts changed since they were last published (several nodes only). */
    private readonly unpublished = new Set<string>()
    /**
     * Rooms closed here lately, by when (oldest first). A closed row is never opened again, but a record read
     * before the close was written still says open: a player arriving then must not reopen the room on it.
     */
    private readonly closedLately = new Map<string, number>()

    constructor(private readonly deps: HubDeps) {
        const p = deps.persistence
        this.persistence = {
            chat: (...args) => p.chat(...args),
            result: (...args) => p.result(...args),
            report: (...args) => p.report(...args),
            roomChanged: (...args) => p.roomChanged(...args),
            ban: (roomName, userId, until) => {
                this.bans.sweep(deps.now()) // kicks are rare: a sweep each keeps the list to live bans
                this.bans.add(roomName, userId, until)
                p.ban(roomName, userId, until)
            },
        }
    }

    get(name: string): LiveRoom | undefined {
        return this.rooms.get(name)
    }

    /** Live here, or being opened for its first player (a store read in flight). */
    isLiveOrOpening(name: string): boolean {
        return this.rooms.has(name) || this.opening.has(name)
    }

    list(): LiveRoom[] {
        return [...this.rooms.values()]
    }

    async admit(ticket: JoinTicket): ReturnType<RoomAdmitter['admit']> {
        const room = await this.open(ticket.roomName)
        if (!room) return { ok: false, reason: 'roomNotFound' }
        const now = this.deps.now()
        const refused = await checkSeat({
            member: room.isMember(ticket.userId),
            playerCount: room.playerCount,
            maxPlayers: room.maxPlayers,
            isBanned: async () => this.bans.has(room.name, ticket.userId, now) || (await this.deps.isBanned(room.name, ticket.userId, now)),
        })
        if (refused) return { ok: false, reason: refused }
        const body = JSON.parse(Buffer.from(ticket.authentication, 'base64').toString()) as { time: number }
        return {
            ok: true,
            room,
            admission: {
                userId: ticket.userId,
                profile: ticket.profile,
                user: { authentication: ticket.authentication, signature: ticket.signature },
                locale: ticket.locale,
                joinedAt: body.time,
            },
        }
    }

    info(roomName: string): LiveRoomInfo | undefined {
        const room = this.rooms.get(roomName)
        return room && this.describe(room)
    }

    *entries(): Iterable<[string, LiveRoomInfo]> {
        for (const [name, room] of this.rooms) yield [name, this.describe(room)]
    }

    private describe(room: LiveRoom): LiveRoomInfo {
        const { view, members } = room.engine
        // The master now: the role moves when its holder leaves or hands it over.
        const masterName = view.master === null ? undefined : members.get(view.master)?.name
        return {
            playerCount: room.playerCount,
            maxPlayers: room.maxPlayers,
            status: view.status,
            level: view.level,
            title: view.title,
            ...(masterName === undefined ? {} : { masterName }),
        }
    }

    isMember(roomName: string, userId: string): boolean {
        return this.rooms.get(roomName)?.isMember(userId) ?? false
    }

    isBanned(roomName: string, userId: string, now: number): boolean {
        return this.bans.has(roomName, userId, now)
    }

    /**
     * Graceful shutdown: every room closes, its players reading why in their language before their
     * sockets close with 1001 (going away).
     */
    shutdown(): void {
        if (this.rooms.size) this.deps.log.info({ rooms: this.rooms.size }, 'closing every room')
        for (const room of this.rooms.values()) {
            room.announce('server.shutdown')
            room.close(CloseCode.goingAway)
        }
        for (const name of [...this.rooms.keys()]) this.forget(name)
    }

    /**
     * A moderator closes a live room (or the store closed it, `swept`: the other nodes took this one for
     * dead): players are told why, sockets closed with 4005; false when not live here.
     */
    closeRoom(name: string, why: Exclude<RoomCloseReason, 'idle'> = 'moderator'): boolean {
        const room = this.rooms.get(name)
        if (!room || room.isClosed) return false
        room.announce(why === 'moderator' ? 'room.closedByModerator' : 'room.closedNodeLost')
        room.close(CloseCode.roomClosed)
        this.forget(name)
        if (why === 'moderator') this.deps.log.info({ room: name }, 'room closed by a moderator')
        else this.deps.log.warn({ room: name }, 'room closed: the other nodes took this node for dead and closed it')
        this.deps.roomClosed?.(name, why)
        return true
    }

    /** A moderator removes a player from a live room; they cannot rejoin it until `until`. */
    kick(roomName: string, userId: string, until: number): boolean {
        const room = this.rooms.get(roomName)
        this.persistence.ban(roomName, userId, until)
        if (!room || !room.isMember(userId)) return false
        room.remove(userId, 'kicked')
        return true
    }

    /** Removes a player from every live room here (a server-wide ban); returns the rooms they were in. */
    removeEverywhere(userId: string): string[] {
        const rooms: string[] = []
        for (const room of this.rooms.values()) {
            if (!room.isMember(userId)) continue
            room.remove(userId, 'kicked')
            rooms.push(room.name)
        }
        return rooms
    }

    /**
     * The room is closed, or its close is being written (the abandoned-room sweep): it does not open here
     * for a minute, whatever a store read says. Returns the undo, for a close that failed to be written.
     */
    blockOpening(name: string): () => void {
        const now = this.deps.now()
        this.closedLately.delete(name) // to the end of the order
        this.closedLately.set(name, now)
        for (const [old, at] of this.closedLately) {
            if (at > now - closedMemoryMs) break
            this.closedLately.delete(old)
        }
        return () => this.closedLately.delete(name)
    }

    private forget(name: string): void {
        this.rooms.delete(name)
        this.blockOpening(name)
        this.changed(name)
    }

    /**
     * Several nodes: a room's facts go to the shared directory once per event-loop turn however many
     * outputs the turn had (a round start is dozens); a room gone from here is unpublished.
     */
    private changed(name: string): void {
        if (!this.deps.shared) return
        if (!this.unpublished.size) setImmediate(() => this.publishChanged())
        this.unpublished.add(name)
    }

    private publishChanged(): void {
        const shared = this.deps.shared!
        for (const name of this.unpublished) {
            const room = this.rooms.get(name)
            if (room && !room.isClosed) shared.directory.publish(name, { ...this.describe(room), node: shared.nodeId, members: room.memberIds() })
            else shared.directory.unpublish(name)
        }
        this.unpublished.clear()
    }

    private open(name: string): Promise<LiveRoom | undefined> {
        const room = this.rooms.get(name)
        if (room && !room.isClosed) return Promise.resolve(room)
        let pending = this.opening.get(name)
        if (!pending) {
            pending = this.load(name).finally(() => this.opening.delete(name))
            this.opening.set(name, pending)
        }
        return pending
    }

    private async load(name: string): Promise<LiveRoom | undefined> {
        const settings = await this.deps.loadRoom(name)
        if (!settings || this.closedLately.has(name)) return undefined
        const existing = this.rooms.get(name)
        if (existing && !existing.isClosed) return existing
        const options = defaultRoomOptions()
        const init: RoomInit = {
            name,
            title: settings.title,
            creatorId: settings.creatorId,
            maxPlayers: settings.maxPlayers,
            allowOtherServers: settings.allowOtherServers,
            address: this.deps.address,
            options,
            optionValues: settings.optionValues ?? '',
            reportUserOptions: defaultReportUserOptions(),
            ...(this.deps.limits ? { limits: this.deps.limits } : {}),
        }
        const observe = this.deps.observe
        const room = new LiveRoom(init, {
            ...this.deps,
            persistence: this.persistence,
            observe: this.deps.shared
                ? (roomName, engine, output) => {
                      observe?.(roomName, engine, output)
                      this.changed(roomName)
                  }
                : observe,
            onClosed: (closed) => {
                if (this.rooms.get(closed.name) !== closed) return
                this.deps.log.info({ room: closed.name }, 'room closed (idle)')
                this.forget(closed.name)
                this.deps.roomClosed?.(closed.name, 'idle')
            },
        })
        this.rooms.set(name, room)
        this.changed(name)
        this.deps.log.info({ room: name }, 'room opened')
        return room
    }
}
