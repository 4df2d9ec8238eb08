// The one storage interface. Every method is async and speaks plain records (numbers are Unix ms), so a
// PostgreSQL implementation can sit beside sqlite/ without callers changing. Secrets are stored hashed by
// the callers (token hashes, password hashes); the store never sees a raw token or password.
import type { GameplayResult } from '@sonolus/core'
import type { ScoringRule } from '../multiplayer/options.js'

/** How a room ranks players (the engine's rule): chosen at creation, editable in game. */
export type { ScoringRule }

export type UserRecord = {
    id: string
    handle: string
    name: string
    /** The ServiceUserProfile as the app sent it (either shape). */
    profile: Record<string, unknown>
    updatedAt: number
}

export type SessionRecord = {
    tokenHash: string
    userId: string
    createdAt: number
    expiresAt: number
}

/**
 * A used signed body, remembered until its time would be refused anyway. `hash` identifies the body;
 * `time` is the time it was signed with, part of the body, so (time, hash) identifies it just as well and
 * orders the records by time (a store can append them instead of writing to a random place).
 */
export type Nonce = { hash: string; time: number; expiresAt: number }

export type ReservationRecord = {
    name: string
    keyHash: string
    creatorId: string
    /** Form values sent with the create request, if any (query-string form). */
    values: string
    createdAt: number
    expiresAt: number
}

export type RoomRecord = {
    /** Stable numeric id (REST `room_id`). */
    id: number
    name: string
    creatorId: string
    /** Creator's display name from the users table, when known. */
    creatorName: string | null
    title: string
    /** scrypt hash (see rooms/passwords.ts); null: public room. */
    passwordHash: string | null
    maxPlayers: number
    scoring: ScoringRule
    /** 0: free for all; otherwise the number of teams. */
    teams: number
    allowOtherServers: boolean
    /** In-game room option values (serialized query parameters; multiplayer/options.ts reads them). */
    optionValues: string
    /** Id of the node hosting the room (multi-node mode); null for rooms stored before rooms had one. */
    nodeId: string | null
    createdAt: number
    updatedAt: number
    closedAt: number | null
}

export type NewRoom = Omit<RoomRecord, 'id' | 'creatorName' | 'updatedAt' | 'closedAt'>

export type RoomPatch = Partial<
    Pick<RoomRecord, 'title' | 'passwordHash' | 'maxPlayers' | 'scoring' | 'teams' | 'allowOtherServers' | 'optionValues' | 'closedAt'>
>

/**
 * Bounds on open rooms, checked in the same transaction as the write that would pass them (so concurrent
 * creates cannot both slip under a bound). A store keeps these counts cheap (an index or a counter),
 * never a scan of every room.
 */
export type RoomCaps = {
    /** Open rooms one creator may have. When reserving, the creator's live reservations count too. */
    perCreator: number
    /** Open rooms on the server (reservations do not count: each claim is checked again). */
    total: number
}

export type RoomCapRefusal = 'creatorCap' | 'serverCap'

export type RoomQuery = {
    /** Signed-in viewer: also sees private rooms they created or unlocked. null: public rooms only. */
    viewerId: string | null
    now: number
    /** Every keyword must appear in the title, the name or the creator's name (case-insensitive). */
    keywords?: string[]
    /** Only rooms with one of these names (private search by room code; live filters: rooms playing...). */
    names?: string[]
    /** Never rooms with these names (live filters: rooms full, rooms not selecting...). */
    exceptNames?: string[]
    /** Only rooms this user created. */
    createdBy?: string
    /** Include private rooms whatever the viewer (private search by exact title). */
    includeAllPrivate?: boolean
    /** Only rooms whose title equals this (case-insensitive). */
    exactTitle?: string
    limit?: number
    /** Rooms to skip first (paging; with limit). */
    offset?: number
    /** Keyset paging: only rooms listed after this one (older: created_at, then id, descending). */
    after?: { createdAt: number; id: number }
}

export type JoinSessionRecord = {
    tokenHash: string
    roomName: string
    userId: string
    /** Serialized ticket (auth/join-sessions.ts owns the shape). */
    payload: string
    expiresAt: number
}

/**
 * A web page's sign-in with Sonolus in progress (auth/external-login.ts), kept where every node can read
 * it: the browser, the app's signed POST and the browser's pickup may reach different nodes.
 */
export type WebLoginRecord = {
    /** In the endpoint's URL the app POSTs to. */
    id: string
    /** Hash of the secret the browser that started it keeps (its cookie). */
    secretHash: string
    /** The stored form (token hash) of the web session the sign-in makes valid: derived from the secret, never stored in clear. */
    sessionHash: string
    createdAt: number
    /** Until then the app may sign in; once it has, until then its browser may pick the session up. */
    expiresAt: number
    /** Who signed in; null while pending. */
    userId: string | null
}

export type NewChatMessage = {
    roomName: string
    userId: string | null
    type: 'text' | 'quick'
    value: string
    at: number
}

export type StoredChatMessage = NewChatMessage & { id: number }

export type NewRoundResult = {
    roomName: string
    round: number
    userId: string
    result: GameplayResult
    at: number
}

export type StoredRoundResult = NewRoundResult & { id: number }

export type NewReport = {
    roomName: string
    reporterId: string
    targetId: string
    optionValues: string
    at: number
}

export type StoredReport = NewReport & {
    id: number
    /** When a moderator resolved it; null: open. */
    resolvedAt: number | null
    /** The moderator's note on resolving. */
    resolution: string | null
}

/** A server-wide ban: refused at sign-in, join and WebSocket upgrade until `until`. */
export type ServerBan = { userId: string; until: number; reason: string; createdAt: number }

/** One moderation action, as written to the audit log. */
export type NewAuditEntry = { at: number; action: string; target: string; details: Record<string, unknown> }

export type AuditEntry = NewAuditEntry & { id: number }

/** A user who joined a room through the API (POST /api/join_room). */
export type RoomMembership = { roomName: string; userId: string; joinedAt: number }

/** A membership with the member's names, when their profile is known. */
export type RoomMember = RoomMembership & { handle: string | null; name: string | null }

/** A long-lived API token of a user (the token itself is never stored, only its hash). */
export type ApiTokenRecord = {
    id: number
    userId: string
    name: string
    tokenHash: string
    createdAt: number
    lastUsedAt: number | null
    revoked: boolean
}

export type NewApiToken = Pick<ApiTokenRecord, 'userId' | 'name' | 'tokenHash' | 'createdAt'>

export interface Store {
    // users and sessions
    /** Inserts or updates a user; a profile identical to the stored one writes nothing. */
    upsertUser(user: UserRecord): Promise<void>
    getUser(id: string): Promise<UserRecord | undefined>
    insertSession(session: SessionRecord): Promise<void>
    /** The session, even if expired (callers compare expiresAt). */
    getSession(tokenHash: string): Promise<SessionRecord | undefined>
    deleteSession(tokenHash: string): Promise<void>

    /**
     * Remembers a signed body; false when it was already used (replay), or when a sweep has already
     * passed its expiresAt (its use, if any, may have been forgotten). The same holds for the nonce of
     * recordSignIn and recordJoin.
     */
    useNonce(nonce: Nonce): Promise<boolean>
    /**
     * A sign-in in one transaction: spends the nonce, stores the profile, creates the session. Returns
     * false, writing nothing, when the nonce was already used.
     */
    recordSignIn(signIn: { nonce: Nonce; user: UserRecord; session: SessionRecord }): Promise<boolean>
    /**
     * A join in one transaction: spends the nonce, stores the profile and, when given, the join session.
     * Returns false, writing nothing, when the nonce was already used.
     */
    recordJoin(join: { nonce: Nonce; user: UserRecord; joinSession?: JoinSessionRecord }): Promise<boolean>

    // web sign-ins with Sonolus (pending minutes, then handed to their browser once)
    /** Stores a new pending sign-in; false, writing nothing, when `cap` of them are live (expiresAt > createdAt). */
    insertWebLogin(login: Omit<WebLoginRecord, 'userId'>, cap: number): Promise<boolean>
    /** The sign-in, expired or not; undefined when unknown (or swept). */
    getWebLogin(id: string): Promise<WebLoginRecord | undefined>
    /**
     * The app signed in, in one transaction: the sign-in must be live (expiresAt > now) and pending, else
     * 'expired'; then the nonce is spent ('replayed' if it was), the profile stored, the web session
     * created (its token hash: the sign-in's sessionHash) and the sign-in marked done, held for its
     * browser until `pickupUntil`. Nothing is written unless 'done'.
     */
    completeWebLogin(completion: {
        id: string
        nonce: Nonce
        user: UserRecord
        session: Omit<SessionRecord, 'tokenHash'>
        now: number
        pickupUntil: number
    }): Promise<'done' | 'replayed' | 'expired'>
    /**
     * The browser's poll: the live sign-in with this id and secret hash (undefined otherwise). A done one
     * is removed as it is returned: its session is handed over once.
     */
    pollWebLogin(id: string, secretHash: string, now: number): Promise<WebLoginRecord | undefined>

    // single-use join sessions
    insertJoinSession(session: JoinSessionRecord): Promise<void>
    /**
     * Removes and returns the session (single use), expired or not; undefined if unknown or already
     * taken. The removal may commit later, but before afterCommit calls back.
     */
    takeJoinSession(tokenHash: string): Promise<JoinSessionRecord | undefined>

    // rooms
    /** True if a room or a live reservation (expiresAt > now) holds the name. */
    isRoomNameTaken(name: string, now: number): Promise<boolean>
    /**
     * Holds a name for its creator. Throws if a room or a live reservation holds the name; with caps,
     * returns a refusal (writing nothing) when the creator's open rooms plus live reservations, or the
     * server's open rooms, have reached them.
     */
    insertReservation(reservation: ReservationRecord, caps?: RoomCaps): Promise<RoomCapRefusal | undefined>
    /** The reservation if it exists and has not lapsed. */
    getReservation(name: string, now: number): Promise<ReservationRecord | undefined>
    /**
     * Atomically turns a live reservation into a room: succeeds only if the reservation exists, has not
     * lapsed, and its key hash and creator match. The reservation is gone afterwards (single-use key).
     * With caps, a refusal (the reservation kept, nothing written) when the creator's open rooms or the
     * server's have reached them.
     */
    createRoomFromReservation(
        claim: { name: string; keyHash: string; creatorId: string; now: number },
        room: NewRoom,
        caps?: RoomCaps,
    ): Promise<RoomRecord | RoomCapRefusal | undefined>
    getRoom(name: string): Promise<RoomRecord | undefined>
    updateRoom(name: string, patch: RoomPatch): Promise<RoomRecord | undefined>
    /** Open rooms (closedAt null), newest first, visible to the viewer per the query, paged by limit/offset. */
    listOpenRooms(query: RoomQuery): Promise<RoomRecord[]>
    /** How many rooms listOpenRooms would return without limit and offset (for page counts). */
    countOpenRooms(query: RoomQuery): Promise<number>
    /**
     * Closes (closedAt = now) every open room whose node is not in `alive` (or unknown: nodeId null) and
     * that was created before `createdBefore`, in one statement; returns their names. The dead-node sweep
     * (rooms/dead-nodes.ts): a room's live state dies with its node.
     */
    closeRoomsOfDeadNodes(alive: string[], createdBefore: number, now: number): Promise<string[]>

    addRoomBan(roomName: string, userId: string, until: number): Promise<void>
    isRoomBanned(roomName: string, userId: string, now: number): Promise<boolean>
    /** The room's bans still running at `now`: banned user → until (the join path reads a room's few bans at once). */
    listRoomBans(roomName: string, now: number): Promise<Map<string, number>>
    addRoomUnlock(roomName: string, userId: string, until: number): Promise<void>
    isRoomUnlocked(roomName: string, userId: string, now: number): Promise<boolean>

    // API memberships: inserts, or moves joined_at of an existing membership
    upsertRoomMembership(membership: RoomMembership): Promise<void>
    /** false when the user was not a member. */
    deleteRoomMembership(roomName: string, userId: string): Promise<boolean>
    getRoomMembership(roomName: string, userId: string): Promise<RoomMembership | undefined>
    /** Earliest joined first. */
    listRoomMembers(roomName: string): Promise<RoomMember[]>

    // API tokens
    insertApiToken(token: NewApiToken): Promise<ApiTokenRecord>
    /** The token with this hash, revoked or not. */
    getApiTokenByHash(tokenHash: string): Promise<ApiTokenRecord | undefined>
    /** The user's tokens that are not revoked, oldest first. */
    listApiTokens(userId: string): Promise<ApiTokenRecord[]>
    /** Revokes the user's token; false when it is not theirs or already revoked. */
    revokeApiToken(userId: string, id: number): Promise<boolean>
    touchApiToken(id: number, at: number): Promise<void>

    // what rooms leave behind
    insertChatMessage(message: NewChatMessage): Promise<number>
    /** Newest first; `before` is an id cursor (exclusive). */
    listChatMessages(roomName: string, options: { before?: number; limit: number }): Promise<StoredChatMessage[]>
    insertRoundResult(result: NewRoundResult): Promise<number>
    /** Newest first. */
    listRoundResults(roomName: string, options: { limit: number }): Promise<StoredRoundResult[]>
    insertReport(report: NewReport): Promise<number>
    /** Newest first; `open`: only reports not resolved yet. */
    listReports(options: { roomName?: string; open?: boolean; limit: number }): Promise<StoredReport[]>
    /** Marks an open report resolved; undefined when there is no such report or it was already resolved. */
    resolveReport(id: number, resolution: { at: number; note: string }): Promise<StoredReport | undefined>
    /** What one user wrote in a room, newest first, at or before `until`. */
    listUserChat(roomName: string, userId: string, options: { until: number; limit: number }): Promise<StoredChatMessage[]>
    /** Deletes a chat line and returns it; undefined when there is none with that id. */
    deleteChatMessage(id: number): Promise<StoredChatMessage | undefined>

    // moderation
    /** Bans a user server-wide (replacing an earlier ban of theirs). */
    putServerBan(ban: ServerBan): Promise<void>
    /** false when the user had no ban. */
    deleteServerBan(userId: string): Promise<boolean>
    /** Bans still running at `now`. */
    listServerBans(now: number): Promise<ServerBan[]>
    insertAuditEntry(entry: NewAuditEntry): Promise<number>
    /** Newest first; `before` is an id cursor (exclusive). */
    listAuditEntries(options: { before?: number; limit: number }): Promise<AuditEntry[]>

    /**
     * Calls `then` once the room writes asked for so far (chat lines, results, reports, spent join
     * sessions) have committed: at once when none is waiting. What reveals those writes to a player
     * (the room's frames, a REST answer) leaves in `then`, so an event a player saw is on disk.
     */
    afterCommit(then: () => void): void

    /** Resolves when the storage answers a trivial query (readiness); rejects with the reason otherwise. */
    ping(): Promise<void>

    /** Deletes expired sessions, nonces, join sessions, web sign-ins, reservations, unlocks and bans (room and server-wide). */
    sweep(now: number): Promise<void>
    close(): Promise<void>
}
