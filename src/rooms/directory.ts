// The room directory: which rooms exist, who may see and enter them. Reservations (create → name + key),
// turning a reservation into a room, private rooms (password, unlocks, wrong-password limits, bounded
// scrypt work), bans and capacity, caps on open rooms (per player, per server), the paged room list.
// Live facts (players, status, level) come from a LiveRoomSource; records from the Store.
// Refusals are returned as localization keys so each surface (Sonolus, REST) answers in its own form.
import { randomInt } from 'node:crypto'
import type { Config } from '../config.js'
import { hashToken, newToken } from '../auth/tokens.js'
import type { RoomCapRefusal, RoomCaps, RoomPatch, RoomQuery, RoomRecord, Store } from '../store/store.js'
import { checkSeat, type AdmitResult, type SeatRefusal } from './admission.js'
import {
    ClusterUnavailableError,
    type AttemptCounter,
    type AttemptCounters,
    type ClusterHealth,
    type NodeRegistry,
    type RoomCacheChange,
} from '../cluster/cluster.js'
import { localCounters } from '../cluster/local.js'
import { BanList } from './ban-list.js'
import { initialOptionValues, type CreateParameters } from './create-parameters.js'
import { nullLiveRoomSource, type LiveRoomInfo, type LiveRoomSource } from './live-info.js'
import { KdfGate, type GateRefusal } from './kdf-gate.js'
import { JoinCache } from './join-cache.js'
import { scryptHasher, type PasswordHasher } from './passwords.js'

/** roomLimit: the player has ENSEMBLE_MAX_ROOMS_PER_PLAYER open rooms; serverFull: ENSEMBLE_MAX_ROOMS are open. */
export type RoomCapReason = 'roomLimit' | 'serverFull'

/** passwordChecksBusy: a private room's password could not be hashed now (the KDF gate is full). */
/** clusterUnavailable: the room is another node's, and whether that node is alive cannot be known now (Redis lost). */
export type RoomRefusal = 'roomNotFound' | 'clusterUnavailable' | SeatRefusal | 'passwordChecksBusy' | RoomCapReason

/** nameTaken: only for a name the creator chose (REST API). */
export type ReserveResult = { ok: true; name: string; key: string } | { ok: false; reason: 'tooManyRooms' | 'nameTaken' | RoomCapReason }

const capReason: Record<RoomCapRefusal, RoomCapReason> = { creatorCap: 'roomLimit', serverCap: 'serverFull' }

export type AdmitRequest = {
    name: string
    userId: string
    now: number
    /** Sonolus-Room-Key with the create parameters, when the app sent a key. */
    creation?: { key: string; parameters: CreateParameters }
}

export type DirectoryAdmitResult = AdmitResult<{ room: RoomRecord; created: boolean }, RoomRefusal>

/**
 * Why a password was not checked or not right. Statuses: wrongPassword 403; tooManyAttempts 429 with
 * Retry-After (retryAfterMs); passwordCheckPending and passwordChecksBusy 429 (nothing was counted).
 */
export type PasswordRefusal =
    { ok: false; reason: 'wrongPassword' } | { ok: false; reason: 'tooManyAttempts'; retryAfterMs: number } | { ok: false; reason: GateRefusal }

/** checkRoomPassword: roomNotFound (404) when no open room has that name. */
export type PasswordCheck = { ok: true; room: RoomRecord } | { ok: false; reason: 'roomNotFound' } | PasswordRefusal

export type UnlockResult = { ok: true; rooms: RoomRecord[] } | PasswordRefusal

export type RoomFilter = {
    keywords?: string[]
    status?: LiveRoomInfo['status']
    freeSeats?: boolean
    /** Substring of the current level's name. */
    level?: string
    /** Only rooms this user created. */
    createdBy?: string
}

export type ListedRoom = { room: RoomRecord; live: LiveRoomInfo }

/** offset paging (the Sonolus list's pages) or keyset paging after a room (the REST API's cursor). */
export type RoomPage = { offset?: number; limit: number; after?: { createdAt: number; id: number } }

/** What a room nobody has entered looks like live: selecting, empty (so it has a free seat). */
const idleInfo = (room: Pick<RoomRecord, 'title' | 'maxPlayers'>): LiveRoomInfo => ({
    playerCount: 0,
    maxPlayers: room.maxPlayers,
    status: 'selecting',
    level: null,
    title: room.title,
})

/** Room names: 8 characters without look-alikes (no 0/o, 1/l/i), easy to read out to a friend. */
const nameAlphabet = 'abcdefghjkmnpqrstuvwxyz23456789'
export const roomNameLength = 8
export const newRoomName = (): string => Array.from({ length: roomNameLength }, () => nameAlphabet[randomInt(nameAlphabet.length)]).join('')

/** How many rooms one private search may try a password against (each try is a scrypt). */
const maxPrivateCandidates = 5

export type RoomDirectoryDeps = {
    store: Store
    config: Pick<
        Config,
        | 'reservationTtlMs'
        | 'unlockTtlMs'
        | 'passwordAttemptsPerUser'
        | 'passwordAttemptsPerRoom'
        | 'passwordAttemptWindowMs'
        | 'passwordScryptN'
        | 'passwordChecks'
        | 'passwordCheckQueue'
        | 'roomCreatesPerMinute'
        | 'maxRoomsPerPlayer'
        | 'maxRooms'
    >
    live?: LiveRoomSource
    /** Hashes and checks room passwords; default scrypt at config.passwordScryptN (tests count calls). */
    passwords?: PasswordHasher
    /** Told of every refused room password (wrong, or over the attempt limits): metrics. */
    onPasswordRefused?: (reason: 'wrongPassword' | 'tooManyAttempts') => void
    /** Server-wide bans (moderation): a banned player is refused every room. */
    serverBans?: { has(userId: string, now: number): boolean }
    /** Attempt counters (in memory on one node, in Redis across nodes). */
    counters?: AttemptCounters
    /** The nodes: where a new room is placed and whose rooms can be joined (several nodes); absent on one node. */
    nodes?: NodeRegistry
    /** Several nodes: whether Redis is reachable (a room is placed only when it is). */
    clusterHealth?: () => ClusterHealth
    /** How long a join may reuse the room, bans and unlocks read for an earlier join (join-cache.ts); default 1 s, 0 off. */
    joinCacheTtlMs?: number
}

/** One pending password check per player: the app sends one search at a time. */
const checksPerPlayer = 1

const userKey = (userId: string) => `user:${userId}`
const roomKey = (name: string) => `room:${name}`

export class RoomDirectory {
    private live: LiveRoomSource
    private readonly store: Store
    private readonly config: RoomDirectoryDeps['config']
    readonly userAttempts: AttemptCounter
    readonly roomAttempts: AttemptCounter
    readonly creates: AttemptCounter
    /** Every scrypt call (hash and verify) runs under this gate. */
    readonly kdf: KdfGate
    private readonly passwords: PasswordHasher
    private readonly onPasswordRefused: RoomDirectoryDeps['onPasswordRefused']
    private readonly serverBans: RoomDirectoryDeps['serverBans']
    /** Bans made through this directory, held even if their store write failed. */
    private readonly bans = new BanList()
    private readonly nodes: NodeRegistry | undefined
    private readonly clusterHealth: (() => ClusterHealth) | undefined
    /** Per-join reads, reused for a second at most and dropped on every change made here. */
    private readonly joinCache: JoinCache
    /** Told of each change to a room's record or bans made on this node, once written (several nodes: app.ts). */
    private onChange: ((room: string, what: RoomCacheChange) => void) | undefined

    constructor(deps: RoomDirectoryDeps) {
        this.joinCache = new JoinCache({ ttlMs: deps.joinCacheTtlMs ?? 1000 })
        this.store = deps.store
        this.config = deps.config
        this.live = deps.live ?? nullLiveRoomSource
        this.passwords = deps.passwords ?? scryptHasher(deps.config.passwordScryptN)
        this.kdf = new KdfGate({ running: deps.config.passwordChecks, queued: deps.config.passwordCheckQueue, perKey: checksPerPlayer })
        const counters = deps.counters ?? localCounters
        this.userAttempts = counters.counter('passwordUser', deps.config.passwordAttemptsPerUser, deps.config.passwordAttemptWindowMs)
        this.roomAttempts = counters.counter('passwordRoom', deps.config.passwordAttemptsPerRoom, deps.config.passwordAttemptWindowMs)
        this.creates = counters.counter('roomCreate', deps.config.roomCreatesPerMinute, 60_000)
        this.nodes = deps.nodes
        this.clusterHealth = deps.clusterHealth
        this.onPasswordRefused = deps.onPasswordRefused
        this.serverBans = deps.serverBans
    }

    /** Plugs in the live rooms (the WebSocket layer) once they exist. */
    setLiveSource(live: LiveRoomSource): void {
        this.live = live
    }

    /** Live facts of a room, or those of a room nobody has entered yet. */
    liveInfo(room: RoomRecord): LiveRoomInfo {
        return this.live.info(room.name) ?? idleInfo(room)
    }

    private get caps(): RoomCaps {
        return { perCreator: this.config.maxRoomsPerPlayer, total: this.config.maxRooms }
    }

    isMember(roomName: string, userId: string): boolean {
        return this.live.isMember(roomName, userId)
    }

    /**
     * POST /sonolus/rooms/create: a fresh name and a single-use key, held for the creator for a while.
     * Refused when the player has created too many rooms in the last minute, or holds as many open rooms
     * and live reservations as a player may (a reservation counts: otherwise one could reserve ten names
     * and turn them all into rooms), or the server has as many open rooms as it may.
     */
    async reserve(creatorId: string, values: string, now: number, chosenName?: string): Promise<ReserveResult> {
        if (await this.creates.isLimited(creatorId, now)) return { ok: false, reason: 'tooManyRooms' }
        if (chosenName !== undefined && (await this.store.isRoomNameTaken(chosenName, now))) return { ok: false, reason: 'nameTaken' }
        await this.creates.fail(creatorId, now)
        for (let attempt = 0; ; attempt++) {
            const name = chosenName ?? newRoomName()
            if (chosenName === undefined && (await this.store.isRoomNameTaken(name, now))) continue
            const key = newToken()
            try {
                const refused = await this.store.insertReservation(
                    { name, keyHash: hashToken(key), creatorId, values, createdAt: now, expiresAt: now + this.config.reservationTtlMs },
                    this.caps,
                )
                if (refused) return { ok: false, reason: capReason[refused] }
                return { ok: true, name, key }
            } catch (e) {
                // A chosen name taken between the check and the insert is taken; a random one is drawn again.
                if (chosenName !== undefined) return { ok: false, reason: 'nameTaken' }
                if (attempt >= 5) throw e // a race on a fresh random name five times over is not a race
            }
        }
    }

    /** An open room (not closed), or undefined. */
    async getOpen(name: string): Promise<RoomRecord | undefined> {
        const room = await this.store.getRoom(name)
        return room && room.closedAt === null ? room : undefined
    }

    /** The stored record, open or closed. */
    get(name: string): Promise<RoomRecord | undefined> {
        return this.store.getRoom(name)
    }

    /**
     * May this user enter this room now? With the reservation's key, its creator turns the reservation into
     * the room (configured from the create parameters). Without it a reservation is not a room (404).
     */
    async admit(req: AdmitRequest): Promise<DirectoryAdmitResult> {
        const { name, userId, now } = req
        if (req.creation) {
            const reservation = await this.store.getReservation(name, now)
            if (reservation) {
                const keyHash = hashToken(req.creation.key)
                if (reservation.keyHash !== keyHash || reservation.creatorId !== userId) return { ok: false, reason: 'roomNotFound' }
                const p = req.creation.parameters
                let passwordHash: string | null = null
                if (p.password !== null) {
                    const password = p.password
                    const hashing = this.kdf.tryRun(`create:${userId}`, () => this.passwords.hash(password))
                    if (!hashing.ok) return { ok: false, reason: 'passwordChecksBusy' }
                    passwordHash = await hashing.result
                }
                const room = await this.store.createRoomFromReservation(
                    { name, keyHash, creatorId: userId, now },
                    {
                        name,
                        creatorId: userId,
                        title: p.title,
                        passwordHash,
                        maxPlayers: p.maxPlayers,
                        scoring: p.scoring,
                        teams: p.teams,
                        allowOtherServers: p.allowOtherServers,
                        optionValues: initialOptionValues(p),
                        nodeId: this.placeNewRoom(),
                        createdAt: now,
                    },
                    // Checked again here, atomically: caps may have been reached since the reservation.
                    this.caps,
                )
                if (typeof room === 'string') return { ok: false, reason: capReason[room] }
                if (room) return { ok: true, room, created: true }
                // Lost a race with a concurrent claim of the same key: judge it as an ordinary join below.
            }
            // A key for a room that already exists is spent: the join goes on as an ordinary one.
        }

        const room = await this.joinCache.room(name, now, () => this.getOpen(name))
        if (!room) return { ok: false, reason: 'roomNotFound' }
        if (!this.isHosted(room)) {
            // Its node looks dead: it is, or this node has not heard from it because Redis is unreachable.
            const health = this.clusterHealth?.()
            return { ok: false, reason: health && !health.ok ? 'clusterUnavailable' : 'roomNotFound' }
        }
        const refused = await checkSeat({
            member: this.live.isMember(name, userId),
            playerCount: this.liveInfo(room).playerCount,
            maxPlayers: room.maxPlayers,
            isBanned: () => this.isBanned(name, userId, now, this.joinCache),
            canSee: () => this.canSee(room, userId, now),
        })
        return refused ? { ok: false, reason: refused } : { ok: true, room, created: false }
    }

    /**
     * Whether a node that can take players hosts the room. On one node every open room is hosted here;
     * with several, a room whose node died is not (the dead-node sweep closes it within seconds).
     */
    isHosted(room: RoomRecord): boolean {
        return !this.nodes || (room.nodeId !== null && this.nodes.isAlive(room.nodeId))
    }

    /** Public base URL of the node hosting the room (a join answer's `url` is built from it); undefined: not hosted. */
    hostUrl(room: RoomRecord, ownUrl: string): string | undefined {
        if (!this.nodes) return ownUrl
        return room.nodeId === null ? undefined : this.nodes.urlOf(room.nodeId)
    }

    /** The node a new room goes to (null on one node); refused while the nodes cannot be asked (Redis lost). */
    private placeNewRoom(): string | null {
        if (!this.nodes) return null
        const health = this.clusterHealth?.()
        if (health && !health.ok) throw new ClusterUnavailableError(`rooms cannot be placed now: ${health.reason}`)
        return this.nodes.placeNewRoom()
    }

    /** Public rooms, and private ones this user created or unlocked. */
    async canSee(room: RoomRecord, userId: string | null, now: number): Promise<boolean> {
        if (room.passwordHash === null) return true
        if (userId === null) return false
        if (room.creatorId === userId || this.live.isMember(room.name, userId)) return true
        return this.joinCache.isUnlocked(room.name, userId, now, () => this.store.isRoomUnlocked(room.name, userId, now))
    }

    /** One page of the open rooms the viewer may see, newest first, filtered, with their live facts. */
    async search(viewerId: string | null, filter: RoomFilter, now: number, page: RoomPage): Promise<ListedRoom[]> {
        const query = this.roomQuery(viewerId, filter, now)
        const rooms = await this.store.listOpenRooms({ ...query, offset: page.offset, limit: page.limit, after: page.after })
        return rooms.map((room) => ({ room, live: this.liveInfo(room) }))
    }

    /** A page as search() gives it, and how many rooms match in all (for a page count). */
    async searchWithTotal(viewerId: string | null, filter: RoomFilter, now: number, page: RoomPage): Promise<{ rooms: ListedRoom[]; total: number }> {
        const query = this.roomQuery(viewerId, filter, now)
        const [rooms, total] = await Promise.all([
            this.store.listOpenRooms({ ...query, offset: page.offset, limit: page.limit }),
            this.store.countOpenRooms(query),
        ])
        return { rooms: rooms.map((room) => ({ room, live: this.liveInfo(room) })), total }
    }

    /**
     * The store pages and filters; live filters (status, free seats, level) become name sets from the live
     * rooms. A room nobody has entered is selecting, empty and without a level: when such a room passes
     * the filter, the live rooms that fail it are excluded (`exceptNames`); otherwise only the live rooms
     * that pass can match (`names`).
     */
    private roomQuery(viewerId: string | null, filter: RoomFilter, now: number): RoomQuery {
        const query: RoomQuery = { viewerId, now, keywords: filter.keywords, createdBy: filter.createdBy }
        const { status, freeSeats } = filter
        const level = filter.level?.toLowerCase()
        if (!status && !freeSeats && !level) return query
        const matches = (info: LiveRoomInfo) =>
            (!status || info.status === status) &&
            (!freeSeats || info.playerCount < info.maxPlayers) &&
            (!level || (info.level?.name.toLowerCase().includes(level) ?? false))
        const idlePasses = matches(idleInfo({ title: '', maxPlayers: 1 }))
        const names: string[] = []
        for (const [name, info] of this.live.entries()) if (matches(info) !== idlePasses) names.push(name)
        if (idlePasses) query.exceptNames = names
        else query.names = names
        return query
    }

    /**
     * The password check for one room by name (the REST join): ok with the room when it is public or the
     * password is right (the room is then unlocked for this player). A miss counts as a wrong password, so
     * room names cannot be probed without limit. Same limits and gate as the private search.
     */
    async checkRoomPassword(userId: string, roomName: string, password: string, now: number): Promise<PasswordCheck> {
        const user = userKey(userId)
        if (!(await this.userAttempts.reserve(user, now))) return this.userLimited(userId, now)
        const room = await this.refundOnError(user, now, () => this.getOpen(roomName))
        if (!room) return { ok: false, reason: 'roomNotFound' }
        if (room.passwordHash === null) {
            await this.userAttempts.refund(user, now)
            return { ok: true, room }
        }
        const checked = await this.checkPasswords(userId, [room], password, now)
        return checked.ok ? { ok: true, room } : this.refused(checked)
    }

    private refused<T extends PasswordRefusal>(refusal: T): T {
        if (refusal.reason === 'wrongPassword' || refusal.reason === 'tooManyAttempts') this.onPasswordRefused?.(refusal.reason)
        return refusal
    }

    /**
     * The private search: a player typed a room (name or exact title) and a password. Matching private
     * rooms are unlocked for them; a wrong password counts against the player and against each room tried.
     */
    async unlock(userId: string, roomText: string, password: string, now: number): Promise<UnlockResult> {
        const user = userKey(userId)
        if (!(await this.userAttempts.reserve(user, now))) return this.userLimited(userId, now)
        const candidates = await this.refundOnError(user, now, async () => {
            const byName = await this.store.listOpenRooms({ viewerId: userId, now, names: [roomText.trim().toLowerCase()], includeAllPrivate: true })
            const byTitle = await this.store.listOpenRooms({ viewerId: userId, now, exactTitle: roomText.trim(), includeAllPrivate: true, limit: 20 })
            return [...new Map([...byName, ...byTitle].map((r) => [r.name, r])).values()]
        })
        const open = candidates.filter((r) => r.passwordHash === null)
        const locked = candidates.filter((r) => r.passwordHash !== null).slice(0, maxPrivateCandidates)
        if (!locked.length) {
            // Nothing to unlock. A miss still counts, so room names cannot be probed without limit.
            if (open.length) await this.userAttempts.refund(user, now)
            return { ok: true, rooms: open }
        }
        const checked = await this.checkPasswords(userId, locked, password, now)
        return checked.ok ? { ok: true, rooms: [...checked.matched, ...open] } : this.refused(checked)
    }

    /**
     * The one place a room password is checked. The caller has reserved the player's attempt at `now`;
     * each room's attempt is reserved here, before any KDF runs, so concurrent guesses cannot all pass the
     * limit. Attempts that turn out not to count are refunded: the player's and the matched rooms' on a
     * right password, all of them when the gate refuses (nothing was checked).
     */
    private async checkPasswords(
        userId: string,
        locked: RoomRecord[],
        password: string,
        now: number,
    ): Promise<{ ok: true; matched: RoomRecord[] } | PasswordRefusal> {
        const user = userKey(userId)
        const tried: RoomRecord[] = []
        for (const room of locked) if (await this.roomAttempts.reserve(roomKey(room.name), now)) tried.push(room)
        const refund = async (rooms: RoomRecord[], player: boolean) => {
            if (player) await this.userAttempts.refund(user, now)
            for (const room of rooms) await this.roomAttempts.refund(roomKey(room.name), now)
        }
        if (!tried.length) {
            await refund([], true)
            const waits = await Promise.all(locked.map((room) => this.roomAttempts.retryAfterMs(roomKey(room.name), now)))
            return { ok: false, reason: 'tooManyAttempts', retryAfterMs: Math.min(...waits) }
        }
        const admission = this.kdf.tryRun(user, async () => {
            const matched: RoomRecord[] = []
            for (const room of tried) if (await this.passwords.verify(password, room.passwordHash!)) matched.push(room)
            return matched
        })
        if (!admission.ok) {
            await refund(tried, true)
            return admission
        }
        let matched: RoomRecord[]
        try {
            matched = await admission.result
        } catch (e) {
            await refund(tried, true) // a failing KDF is the server's fault, not a guess
            throw e
        }
        if (!matched.length) return { ok: false, reason: 'wrongPassword' }
        await refund(matched, true)
        for (const room of matched) await this.store.addRoomUnlock(room.name, userId, now + this.config.unlockTtlMs)
        return { ok: true, matched }
    }

    private async userLimited(userId: string, now: number): Promise<PasswordRefusal> {
        return this.refused({ ok: false, reason: 'tooManyAttempts', retryAfterMs: await this.userAttempts.retryAfterMs(userKey(userId), now) })
    }

    /** Runs a lookup made after the player's attempt was reserved; a failure gives the attempt back. */
    private async refundOnError<T>(user: string, now: number, lookup: () => Promise<T>): Promise<T> {
        try {
            return await lookup()
        } catch (e) {
            await this.userAttempts.refund(user, now).catch(() => undefined) // the lookup's error is the one to report
            throw e
        }
    }

    async update(name: string, patch: RoomPatch): Promise<RoomRecord | undefined> {
        this.joinCache.forgetRoom(name)
        try {
            return await this.store.updateRoom(name, patch)
        } finally {
            this.joinCache.forgetRoom(name) // a join read while the write ran must not keep the old record
            this.onChange?.(name, 'room')
        }
    }

    setChangeListener(listener: (room: string, what: RoomCacheChange) => void): void {
        this.onChange = listener
    }

    /** A change written on this node outside the directory (a live room's kick, title or options). */
    changed(room: string, what: RoomCacheChange): void {
        this.forgetCached(room, what)
        this.onChange?.(room, what)
    }

    /** The room changed (on another node, or here): the next join reads it again. */
    forgetCached(room: string, what: RoomCacheChange): void {
        if (what === 'room') this.joinCache.forgetRoom(room)
        else this.joinCache.forgetBans(room)
    }

    async close(name: string, now: number): Promise<void> {
        await this.update(name, { closedAt: now })
    }

    /** Bans a player from a room until `until`: held in memory at once, then written (a failed write rejects, the ban holds). */
    ban(roomName: string, userId: string, until: number): Promise<void> {
        this.bans.add(roomName, userId, until)
        this.joinCache.forgetBans(roomName)
        const written = this.store.addRoomBan(roomName, userId, until)
        // Other nodes read the bans again once the new one is there to be read.
        written.then(() => this.onChange?.(roomName, 'bans')).catch(() => undefined)
        return written
    }

    /**
     * Banned server-wide, by this directory, by a kick in a live room of this node, or in the store (read
     * through `cache` on the join path, uncached for everyone else: the hub's check when the socket arrives).
     */
    async isBanned(roomName: string, userId: string, now: number, cache?: JoinCache): Promise<boolean> {
        if (this.serverBans?.has(userId, now)) return true
        if (this.bans.has(roomName, userId, now) || this.live.isBanned(roomName, userId, now)) return true
        if (cache) return cache.isBanned(roomName, userId, now, () => this.store.listRoomBans(roomName, now))
        return this.store.isRoomBanned(roomName, userId, now)
    }

    /** Forgets stale counters. */
    sweep(now: number): void {
        this.userAttempts.sweep(now)
        this.roomAttempts.sweep(now)
        this.creates.sweep(now)
        this.bans.sweep(now)
        this.joinCache.sweep(now)
    }
}
