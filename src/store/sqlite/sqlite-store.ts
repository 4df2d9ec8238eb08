// The default Store: one SQLite file through better-sqlite3 in WAL mode. better-sqlite3 is synchronous;
// each call is a few microseconds on the event loop, which beats a thread hop for statements this small.
// synchronous=NORMAL in WAL mode: a commit survives a process crash (kill -9); only an OS crash or power
// loss may drop the last transactions.
import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type {
    ApiTokenRecord,
    AuditEntry,
    NewAuditEntry,
    ServerBan,
    JoinSessionRecord,
    NewApiToken,
    NewChatMessage,
    NewReport,
    NewRoom,
    NewRoundResult,
    Nonce,
    ReservationRecord,
    RoomCapRefusal,
    RoomCaps,
    RoomMember,
    RoomMembership,
    RoomPatch,
    RoomQuery,
    RoomRecord,
    SessionRecord,
    Store,
    StoredChatMessage,
    StoredReport,
    StoredRoundResult,
    UserRecord,
    WebLoginRecord,
} from '../store.js'
import { Checkpointer, type CheckpointerOptions } from './checkpointer.js'
import { GroupCommit } from './group-commit.js'
import type { Touch } from '../pending-writes.js'
import { migrate } from './migrations.js'
import { tokenTimePrefix } from '../../auth/tokens.js'
import { maxSessionTtlMs } from '../../config.js'
import {
    apiTokenColumns,
    likePattern,
    reservationColumns,
    toReservation,
    type ReservationRow,
    patchColumns,
    reportColumns,
    roomColumns,
    roomFrom,
    toApiToken,
    toChat,
    toReport,
    toRoom,
    type ApiTokenRow,
    type ChatRow,
    type ReportRow,
    type RoomRow,
} from '../rows.js'

const webLoginColumns = 'id, secret_hash, session_hash, user_id, created_at, expires_at'
type WebLoginRow = { id: string; secret_hash: string; session_hash: string; user_id: string | null; created_at: number; expires_at: number }
const toWebLogin = (r: WebLoginRow): WebLoginRecord => ({
    id: r.id,
    secretHash: r.secret_hash,
    sessionHash: r.session_hash,
    userId: r.user_id,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
})

type UserWrite = { user: UserRecord; profile: string; written: string }

function prepareStatements(db: Database.Database) {
    return {
        upsertUser: db.prepare(`INSERT INTO users (id, handle, name, profile, updated_at) VALUES (@id, @handle, @name, @profile, @updatedAt)
                ON CONFLICT (id) DO UPDATE SET handle = excluded.handle, name = excluded.name, profile = excluded.profile, updated_at = excluded.updated_at
                WHERE users.profile <> excluded.profile OR users.handle <> excluded.handle OR users.name <> excluded.name`),
        getUser: db.prepare('SELECT id, handle, name, profile, updated_at FROM users WHERE id = ?'),
        insertSession: db.prepare(
            'INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (@tokenHash, @userId, @createdAt, @expiresAt)',
        ),
        getSession: db.prepare('SELECT token_hash, user_id, created_at, expires_at FROM sessions WHERE token_hash = ?'),
        deleteSession: db.prepare('DELETE FROM sessions WHERE token_hash = ?'),
        useNonce: db.prepare('INSERT INTO nonces (time, hash, expires_at) VALUES (@time, @hash, @expiresAt) ON CONFLICT DO NOTHING'),
        legacyNonceUsed: db.prepare('SELECT 1 FROM nonces_legacy WHERE hash = ?'),
        legacyNoncesLeft: db.prepare('SELECT EXISTS (SELECT 1 FROM nonces_legacy) AS left'),
        insertJoinSession: db.prepare(`INSERT INTO join_sessions (token_hash, room_name, user_id, payload, expires_at)
                VALUES (@tokenHash, @roomName, @userId, @payload, @expiresAt)`),
        getJoinSession: db.prepare('SELECT token_hash, room_name, user_id, payload, expires_at FROM join_sessions WHERE token_hash = ?'),
        deleteJoinSession: db.prepare('DELETE FROM join_sessions WHERE token_hash = ?'),
        liveWebLogins: db.prepare('SELECT count(*) AS n FROM web_logins WHERE expires_at > ?'),
        insertWebLogin: db.prepare(`INSERT INTO web_logins (id, secret_hash, session_hash, user_id, created_at, expires_at)
                VALUES (@id, @secretHash, @sessionHash, NULL, @createdAt, @expiresAt)`),
        getWebLogin: db.prepare(`SELECT ${webLoginColumns} FROM web_logins WHERE id = ?`),
        finishWebLogin: db.prepare('UPDATE web_logins SET user_id = ?, expires_at = ? WHERE id = ?'),
        deleteWebLogin: db.prepare('DELETE FROM web_logins WHERE id = ?'),
        roomNameInRooms: db.prepare('SELECT 1 FROM rooms WHERE name = ?'),
        roomNameReserved: db.prepare('SELECT 1 FROM room_reservations WHERE name = ? AND expires_at > ?'),
        insertReservation: db.prepare(`INSERT INTO room_reservations (name, key_hash, creator_id, vals, created_at, expires_at)
                VALUES (@name, @keyHash, @creatorId, @values, @createdAt, @expiresAt)
                ON CONFLICT (name) DO UPDATE SET key_hash = excluded.key_hash, creator_id = excluded.creator_id, vals = excluded.vals,
                    created_at = excluded.created_at, expires_at = excluded.expires_at
                WHERE room_reservations.expires_at <= excluded.created_at`),
        getReservation: db.prepare(`SELECT ${reservationColumns} FROM room_reservations WHERE name = ? AND expires_at > ?`),
        liveClaim: db.prepare('SELECT 1 FROM room_reservations WHERE name = ? AND key_hash = ? AND creator_id = ? AND expires_at > ?'),
        // The counts of the room caps (migration 4): a few index entries and one row, never every room.
        openRoomsOfCreator: db.prepare('SELECT count(*) AS n FROM rooms WHERE creator_id = ? AND closed_at IS NULL'),
        liveReservationsOfCreator: db.prepare('SELECT count(*) AS n FROM room_reservations WHERE creator_id = ? AND expires_at > ?'),
        openRoomsTotal: db.prepare('SELECT open_rooms AS n FROM room_totals WHERE id = 1'),
        hasOpenRoom: db.prepare('SELECT 1 FROM rooms WHERE creator_id = ? AND closed_at IS NULL LIMIT 1'),
        claimReservation: db.prepare('DELETE FROM room_reservations WHERE name = ? AND key_hash = ? AND creator_id = ? AND expires_at > ?'),
        insertRoom: db.prepare(`INSERT INTO rooms (name, creator_id, title, password_hash, max_players, scoring, teams, allow_other_servers,
                    option_values, node_id, created_at, updated_at, closed_at)
                VALUES (@name, @creatorId, @title, @passwordHash, @maxPlayers, @scoring, @teams, @allowOtherServers, @optionValues,
                    @nodeId, @createdAt, @createdAt, NULL)`),
        // The nodes hosting open rooms are found by skipping through rooms_open_by_node (one probe per
        // node, not a read of every open room); then the rooms of no node and of each dead node are read
        // from the same index. INDEXED BY and CROSS JOIN hold the planner to that (it otherwise scans every
        // open room: 4 ms at 10,000 of them, against 0.1 ms). The alive ids travel as one JSON parameter;
        // the rooms_total_close trigger keeps room_totals in the same statement.
        closeRoomsOfDeadNodes: db.prepare(`WITH RECURSIVE hosts(node_id) AS MATERIALIZED (
                    SELECT (SELECT min(node_id) FROM rooms INDEXED BY rooms_open_by_node WHERE closed_at IS NULL)
                    UNION ALL
                    SELECT (SELECT min(r.node_id) FROM rooms AS r INDEXED BY rooms_open_by_node WHERE r.closed_at IS NULL AND r.node_id > hosts.node_id)
                    FROM hosts WHERE hosts.node_id IS NOT NULL
                ),
                dead(node_id) AS MATERIALIZED (SELECT node_id FROM hosts WHERE node_id NOT IN (SELECT value FROM json_each(@alive)))
                UPDATE rooms SET closed_at = @now, updated_at = @now
                WHERE id IN (
                    SELECT id FROM rooms INDEXED BY rooms_open_by_node WHERE closed_at IS NULL AND node_id IS NULL AND created_at < @createdBefore
                    UNION ALL
                    SELECT r.id FROM dead CROSS JOIN rooms AS r INDEXED BY rooms_open_by_node
                    WHERE r.node_id = dead.node_id AND r.closed_at IS NULL AND r.created_at < @createdBefore
                )
                RETURNING name`),
        getRoom: db.prepare(`SELECT ${roomColumns} ${roomFrom} WHERE r.name = ?`),
        addRoomBan: db.prepare(`INSERT INTO room_bans (room_name, user_id, until) VALUES (?, ?, ?)
                ON CONFLICT (room_name, user_id) DO UPDATE SET until = max(until, excluded.until)`),
        isRoomBanned: db.prepare('SELECT 1 FROM room_bans WHERE room_name = ? AND user_id = ? AND until > ?'),
        listRoomBans: db.prepare('SELECT user_id, until FROM room_bans WHERE room_name = ? AND until > ?'),
        addRoomUnlock: db.prepare(`INSERT INTO room_unlocks (room_name, user_id, until) VALUES (?, ?, ?)
                ON CONFLICT (room_name, user_id) DO UPDATE SET until = max(until, excluded.until)`),
        isRoomUnlocked: db.prepare('SELECT 1 FROM room_unlocks WHERE room_name = ? AND user_id = ? AND until > ?'),
        upsertMembership: db.prepare(`INSERT INTO room_memberships (room_name, user_id, joined_at) VALUES (@roomName, @userId, @joinedAt)
                ON CONFLICT (room_name, user_id) DO UPDATE SET joined_at = excluded.joined_at`),
        deleteMembership: db.prepare('DELETE FROM room_memberships WHERE room_name = ? AND user_id = ?'),
        getMembership: db.prepare('SELECT room_name, user_id, joined_at FROM room_memberships WHERE room_name = ? AND user_id = ?'),
        listMembers: db.prepare(`SELECT m.room_name, m.user_id, m.joined_at, u.handle, u.name FROM room_memberships m
                LEFT JOIN users u ON u.id = m.user_id WHERE m.room_name = ? ORDER BY m.joined_at, m.user_id`),
        insertApiToken: db.prepare(`INSERT INTO api_tokens (user_id, name, token_hash, created_at, last_used_at, revoked)
                VALUES (@userId, @name, @tokenHash, @createdAt, NULL, 0) RETURNING ${apiTokenColumns}`),
        getApiTokenByHash: db.prepare(`SELECT ${apiTokenColumns} FROM api_tokens WHERE token_hash = ?`),
        listApiTokens: db.prepare(`SELECT ${apiTokenColumns} FROM api_tokens WHERE user_id = ? AND revoked = 0 ORDER BY id`),
        revokeApiToken: db.prepare('UPDATE api_tokens SET revoked = 1 WHERE user_id = ? AND id = ? AND revoked = 0'),
        touchApiToken: db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?'),
        insertChat: db.prepare('INSERT INTO chat_messages (room_name, user_id, type, value, at) VALUES (@roomName, @userId, @type, @value, @at)'),
        listChat: db.prepare(`SELECT id, room_name, user_id, type, value, at FROM chat_messages
                WHERE room_name = ? AND id < ? ORDER BY id DESC LIMIT ?`),
        insertResult: db.prepare(
            'INSERT INTO round_results (room_name, round, user_id, result, at) VALUES (@roomName, @round, @userId, @result, @at)',
        ),
        listResults: db.prepare(`SELECT id, room_name, round, user_id, result, at FROM round_results
                WHERE room_name = ? ORDER BY id DESC LIMIT ?`),
        insertReport: db.prepare(`INSERT INTO reports (room_name, reporter_id, target_id, option_values, at)
                VALUES (@roomName, @reporterId, @targetId, @optionValues, @at)`),
        listReports: db.prepare(`SELECT ${reportColumns} FROM reports
                WHERE (@roomName IS NULL OR room_name = @roomName) ORDER BY id DESC LIMIT @limit`),
        listOpenReports: db.prepare(`SELECT ${reportColumns} FROM reports
                WHERE resolved_at IS NULL AND (@roomName IS NULL OR room_name = @roomName) ORDER BY id DESC LIMIT @limit`),
        resolveReport: db.prepare(`UPDATE reports SET resolved_at = @at, resolution = @note WHERE id = @id AND resolved_at IS NULL
                RETURNING ${reportColumns}`),
        listUserChat: db.prepare(`SELECT id, room_name, user_id, type, value, at FROM chat_messages
                WHERE room_name = ? AND user_id = ? AND at <= ? ORDER BY id DESC LIMIT ?`),
        deleteChat: db.prepare('DELETE FROM chat_messages WHERE id = ? RETURNING id, room_name, user_id, type, value, at'),
        putServerBan: db.prepare(`INSERT INTO user_bans (user_id, until, reason, created_at) VALUES (@userId, @until, @reason, @createdAt)
                ON CONFLICT (user_id) DO UPDATE SET until = excluded.until, reason = excluded.reason, created_at = excluded.created_at`),
        deleteServerBan: db.prepare('DELETE FROM user_bans WHERE user_id = ?'),
        listServerBans: db.prepare('SELECT user_id, until, reason, created_at FROM user_bans WHERE until > ? ORDER BY created_at'),
        insertAudit: db.prepare('INSERT INTO audit_log (at, action, target, details) VALUES (@at, @action, @target, @details)'),
        listAudit: db.prepare('SELECT id, at, action, target, details FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?'),
        sweep: [
            db.prepare('DELETE FROM user_bans WHERE until <= ?'),
            db.prepare('DELETE FROM nonces_legacy WHERE expires_at <= ?'),
            db.prepare('DELETE FROM room_reservations WHERE expires_at <= ?'),
            db.prepare('DELETE FROM room_unlocks WHERE until <= ?'),
            db.prepare('DELETE FROM room_bans WHERE until <= ?'),
            db.prepare('DELETE FROM web_logins WHERE expires_at <= ?'),
        ],
        // Sessions made before @before (a time prefix of their keys, migration 8): only those can have expired.
        sweepSessions: db.prepare('DELETE FROM sessions WHERE token_hash < @before AND expires_at <= @now'),
        // Tables without an expiry index (migration 7), swept from their start (sweepInOrder).
        sweepInOrder: [
            {
                firstLive: db.prepare('SELECT time AS key FROM nonces WHERE expires_at > ? ORDER BY time LIMIT 1'),
                before: db.prepare('DELETE FROM nonces WHERE time < @key AND expires_at <= @now'),
                all: db.prepare('DELETE FROM nonces WHERE expires_at <= ?'),
            },
            {
                firstLive: db.prepare('SELECT rowid AS key FROM join_sessions WHERE expires_at > ? ORDER BY rowid LIMIT 1'),
                before: db.prepare('DELETE FROM join_sessions WHERE rowid < @key AND expires_at <= @now'),
                all: db.prepare('DELETE FROM join_sessions WHERE expires_at <= ?'),
            },
        ],
    }
}

type Statements = ReturnType<typeof prepareStatements>
type SignIn = { nonce: Nonce; user: UserRecord; session: SessionRecord }
type Join = { nonce: Nonce; user: UserRecord; joinSession?: JoinSessionRecord }

export type SqliteStoreOptions = {
    path: string
    /** Checkpoint the WAL on a worker thread (file databases; default true). */
    checkpointThread?: boolean
    /** WAL size in pages past which the event loop's connection checkpoints itself (default 32768: 128 MiB, twice what the checkpoint thread lets it reach: a safety net). */
    walHardLimitPages?: number
    /** Tuning of the checkpoint thread (tests). */
    checkpoints?: Pick<CheckpointerOptions, 'intervalMs' | 'idleMs' | 'restartFrames' | 'maxHoldMs'>
    /** Where failures of background work (the checkpoint thread, writes nobody awaits) are reported; the app's logger. */
    log?: StoreLog
    /** The clock that stamps rooms' updatedAt (the app's injected clock; Date.now by default). */
    now?: () => number
    /** Told how long each commit of queued writes took, in seconds (metrics). */
    onCommit?: (seconds: number) => void
    /** Told how long each checkpoint hold of the commits lasted, in seconds (metrics). */
    onCheckpointHold?: (seconds: number) => void
}

/** The part of a logger (pino's) the store reports to. */
export type StoreLog = { error(obj: object, msg: string): void }

export class SqliteStore implements Store {
    readonly db: Database.Database
    private readonly st: Statements
    /** The hot small writes (sign-ins, joins, nonces, sessions) are committed in groups. */
    readonly commits: GroupCommit
    readonly checkpointer?: Checkpointer
    /** Nonces from before migration 2 remain (until swept): they are checked too. */
    private legacyNonces: boolean
    private readonly now: () => number
    private readonly log: StoreLog | undefined

    constructor(options: SqliteStoreOptions) {
        if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true })
        const db = new Database(options.path)
        this.db = db
        this.now = options.now ?? Date.now
        this.log = options.log
        db.pragma('journal_mode = WAL')
        db.pragma('synchronous = NORMAL')
        db.pragma('busy_timeout = 5000')
        db.pragma('foreign_keys = ON')
        migrate(db, this.now())
        this.st = prepareStatements(db)
        this.legacyNonces = this.hasLegacyNonces()
        // Users, sessions, join sessions, nonces and the rooms' chat lines, results and reports are written
        // through the group commit; a read of one of those rows commits the queue first (the group commit
        // knows which rows its jobs write). Nonces are only ever read by the queued writes themselves.
        this.commits = new GroupCommit(db, () => this.writtenUsers.clear())
        this.commits.onCommit = options.onCommit
        if (options.path !== ':memory:' && options.checkpointThread !== false) {
            db.pragma(`wal_autocheckpoint = ${options.walHardLimitPages ?? 32768}`)
            this.checkpointer = new Checkpointer({
                path: options.path,
                hold: () => this.commits.hold(),
                resume: () => this.commits.resume(),
                onHold: options.onCheckpointHold,
                ...options.checkpoints,
                // The store goes on without the thread (the event loop checkpoints past the hard bound).
                onError: (err) => options.log?.error({ err }, 'SQLite checkpoint thread failed'),
            })
        }
    }

    /** For writes nobody awaits: a failure is logged (the disk failing fails every request anyway). */
    private failed(what: string): (err: unknown) => void {
        return (err) => this.log?.error({ err, what }, 'store write failed')
    }

    private hasLegacyNonces(): boolean {
        return (this.st.legacyNoncesLeft.get() as { left: number }).left === 1
    }

    /**
     * Players sign in and join again and again with the same profile, which the upsert then leaves as
     * it is: what was last written per user is remembered (bounded) so that case costs no statement.
     * Forgotten whenever a batch rolls back, since its writes may not have happened.
     */
    private readonly writtenUsers = new Map<string, string>()

    private userWrite(user: UserRecord): UserWrite {
        const profile = JSON.stringify(user.profile)
        return { user, profile, written: `${user.handle}\n${user.name}\n${profile}` }
    }

    /** The user's row, as a row the queued write touches, unless the write would leave it as it is. */
    private touchesUser(w: UserWrite): Touch[] {
        return this.writtenUsers.get(w.user.id) === w.written ? [] : [['user', w.user.id]]
    }

    private writeUser({ user, profile, written }: UserWrite): void {
        if (this.writtenUsers.get(user.id) === written) return
        this.st.upsertUser.run({ id: user.id, handle: user.handle, name: user.name, profile, updatedAt: user.updatedAt })
        if (this.writtenUsers.size >= 10_000) this.writtenUsers.clear()
        this.writtenUsers.set(user.id, written)
    }

    async upsertUser(user: UserRecord): Promise<void> {
        const w = this.userWrite(user)
        return this.commits.run(this.touchesUser(w), () => this.writeUser(w))
    }

    async getUser(id: string): Promise<UserRecord | undefined> {
        this.commits.settle('user', id)
        const row = this.st.getUser.get(id) as { id: string; handle: string; name: string; profile: string; updated_at: number } | undefined
        return row && { id: row.id, handle: row.handle, name: row.name, profile: JSON.parse(row.profile), updatedAt: row.updated_at }
    }

    async insertSession(session: SessionRecord): Promise<void> {
        return this.commits.run([['session', session.tokenHash]], () => void this.st.insertSession.run(session))
    }

    async getSession(tokenHash: string): Promise<SessionRecord | undefined> {
        this.commits.settle('session', tokenHash)
        const row = this.st.getSession.get(tokenHash) as { token_hash: string; user_id: string; created_at: number; expires_at: number } | undefined
        return row && { tokenHash: row.token_hash, userId: row.user_id, createdAt: row.created_at, expiresAt: row.expires_at }
    }

    async deleteSession(tokenHash: string): Promise<void> {
        return this.commits.run([['session', tokenHash]], () => void this.st.deleteSession.run(tokenHash))
    }

    /**
     * The latest `now` a sweep ran with: nonces that expired by then may be gone, so a nonce whose expiry
     * is not past it may have been spent and forgotten. Within one process; after a restart the signed-body
     * time check refuses every body whose nonce an earlier process could have swept.
     */
    private sweptThrough = -Infinity

    /** Spends a nonce (inside a group-commit job): false when it was already spent, or may have been. */
    private spend(nonce: Nonce): boolean {
        if (nonce.expiresAt <= this.sweptThrough) return false
        if (this.legacyNonces && this.st.legacyNonceUsed.get(nonce.hash) !== undefined) return false
        return this.st.useNonce.run(nonce).changes === 1
    }

    async useNonce(nonce: Nonce): Promise<boolean> {
        return this.commits.run([], () => this.spend(nonce))
    }

    async recordSignIn(signIn: SignIn): Promise<boolean> {
        const w = this.userWrite(signIn.user)
        return this.commits.run([...this.touchesUser(w), ['session', signIn.session.tokenHash]], () => {
            if (!this.spend(signIn.nonce)) return false
            this.writeUser(w)
            this.st.insertSession.run(signIn.session)
            return true
        })
    }

    async recordJoin(join: Join): Promise<boolean> {
        const w = this.userWrite(join.user)
        const touches: Touch[] = [...this.touchesUser(w), ...(join.joinSession ? [['join', join.joinSession.tokenHash] as const] : [])]
        return this.commits.run(touches, () => {
            if (!this.spend(join.nonce)) return false
            this.writeUser(w)
            if (join.joinSession) this.st.insertJoinSession.run(join.joinSession)
            return true
        })
    }

    // Web sign-ins: rare, so each is a job of the group commit, which orders them with the sign-ins and
    // users they write; a read of one is a job too (it sees every write queued before it).

    async insertWebLogin(login: Omit<WebLoginRecord, 'userId'>, cap: number): Promise<boolean> {
        return this.commits.run([], () => {
            if (this.count(this.st.liveWebLogins, login.createdAt) >= cap) return false
            this.st.insertWebLogin.run(login)
            return true
        })
    }

    async getWebLogin(id: string): Promise<WebLoginRecord | undefined> {
        return this.commits.run([], () => this.webLogin(id))
    }

    private webLogin(id: string): WebLoginRecord | undefined {
        const row = this.st.getWebLogin.get(id) as WebLoginRow | undefined
        return row && toWebLogin(row)
    }

    async completeWebLogin(c: Parameters<Store['completeWebLogin']>[0]): Promise<'done' | 'replayed' | 'expired'> {
        const w = this.userWrite(c.user)
        return this.commits.run(this.touchesUser(w), () => {
            const login = this.webLogin(c.id)
            if (!login || login.userId !== null || login.expiresAt <= c.now) return 'expired'
            if (!this.spend(c.nonce)) return 'replayed'
            this.writeUser(w)
            this.st.insertSession.run({ ...c.session, tokenHash: login.sessionHash })
            this.st.finishWebLogin.run(c.session.userId, c.pickupUntil, c.id)
            return 'done'
        })
    }

    async pollWebLogin(id: string, secretHash: string, now: number): Promise<WebLoginRecord | undefined> {
        return this.commits.run([], () => {
            const login = this.webLogin(id)
            if (!login || login.secretHash !== secretHash || login.expiresAt <= now) return undefined
            if (login.userId !== null) this.st.deleteWebLogin.run(id)
            return login
        })
    }

    async insertJoinSession(session: JoinSessionRecord): Promise<void> {
        return this.commits.run([['join', session.tokenHash]], () => void this.st.insertJoinSession.run(session))
    }

    /**
     * Join sessions taken whose delete has not committed (token hash → expiry): until it has, or for good
     * when it failed (a failing disk), a second take finds the row but must not use it. A failed delete
     * leaves the row until sweep removes it at its expiry, so this node refuses it until then. A restarted
     * server forgets this, but the row then admits nobody: a SQLite server is one node, which closes at
     * start the rooms the previous run left open (rooms/lost-rooms.ts), and a room's name is never reused.
     */
    private readonly takenJoinSessions = new Map<string, number>()

    /**
     * Read now, deleted in the next group commit (a commit of its own cost as much as the join's other
     * writes together): a second take of the same session commits that delete first (settle), so it
     * finds nothing, or finds it taken if the delete failed; and the room's first frame to the player
     * waits for the commit (afterCommit).
     */
    async takeJoinSession(tokenHash: string): Promise<JoinSessionRecord | undefined> {
        this.commits.settle('join', tokenHash)
        const row = this.st.getJoinSession.get(tokenHash) as
            { token_hash: string; room_name: string; user_id: string; payload: string; expires_at: number } | undefined
        if (!row || this.takenJoinSessions.has(tokenHash)) return undefined
        this.takenJoinSessions.set(tokenHash, row.expires_at)
        this.commits
            .run([['join', tokenHash]], () => void this.st.deleteJoinSession.run(tokenHash))
            .then(
                () => this.takenJoinSessions.delete(tokenHash),
                (err: unknown) => {
                    this.failed('join session delete')(err)
                    this.forgetExpiredTakes(this.now())
                },
            )
        return { tokenHash: row.token_hash, roomName: row.room_name, userId: row.user_id, payload: row.payload, expiresAt: row.expires_at }
    }

    /**
     * The failed deletes' entries outlive their rows' expiry only until the next failure. Sessions are
     * taken in about the order they expire (one TTL), so the walk stops at the first live one.
     */
    private forgetExpiredTakes(now: number): void {
        for (const [hash, expiresAt] of this.takenJoinSessions) {
            if (expiresAt > now) return
            this.takenJoinSessions.delete(hash)
        }
    }

    async isRoomNameTaken(name: string, now: number): Promise<boolean> {
        return this.st.roomNameInRooms.get(name) !== undefined || this.st.roomNameReserved.get(name, now) !== undefined
    }

    async insertReservation(r: ReservationRecord, caps?: RoomCaps): Promise<RoomCapRefusal | undefined> {
        return this.db.transaction(() => {
            if (caps) {
                const held =
                    this.count(this.st.openRoomsOfCreator, r.creatorId) + this.count(this.st.liveReservationsOfCreator, r.creatorId, r.createdAt)
                if (held >= caps.perCreator) return 'creatorCap'
                if (this.count(this.st.openRoomsTotal) >= caps.total) return 'serverCap'
            }
            // A name held by a room, or by a reservation that has not lapsed, is refused (unique constraint / no-op upsert).
            const taken = this.st.roomNameInRooms.get(r.name) !== undefined
            if (taken || this.st.insertReservation.run(r).changes !== 1) throw new Error(`room name ${r.name} is taken`)
            return undefined
        })()
    }

    private count(statement: Database.Statement, ...params: unknown[]): number {
        return (statement.get(...params) as { n: number } | undefined)?.n ?? 0
    }

    async getReservation(name: string, now: number): Promise<ReservationRecord | undefined> {
        const row = this.st.getReservation.get(name, now) as ReservationRow | undefined
        return row && toReservation(row)
    }

    async createRoomFromReservation(
        claim: { name: string; keyHash: string; creatorId: string; now: number },
        room: NewRoom,
        caps?: RoomCaps,
    ): Promise<RoomRecord | RoomCapRefusal | undefined> {
        const outcome = this.db.transaction((): RoomCapRefusal | boolean => {
            const claimArgs = [claim.name, claim.keyHash, claim.creatorId, claim.now] as const
            if (this.st.liveClaim.get(...claimArgs) === undefined) return false
            if (caps) {
                if (this.count(this.st.openRoomsOfCreator, claim.creatorId) >= caps.perCreator) return 'creatorCap'
                if (this.count(this.st.openRoomsTotal) >= caps.total) return 'serverCap'
            }
            this.st.claimReservation.run(...claimArgs)
            this.st.insertRoom.run({ ...room, allowOtherServers: room.allowOtherServers ? 1 : 0 })
            return true
        })()
        if (typeof outcome === 'string') return outcome
        return outcome ? this.getRoom(room.name) : undefined
    }

    async getRoom(name: string): Promise<RoomRecord | undefined> {
        let row = this.st.getRoom.get(name) as RoomRow | undefined
        // The creator's name comes from users: read again if their profile was waiting to be committed.
        if (row && this.commits.settle('user', row.creator_id)) row = this.st.getRoom.get(name) as RoomRow | undefined
        return row && toRoom(row)
    }

    async updateRoom(name: string, patch: RoomPatch): Promise<RoomRecord | undefined> {
        const sets: string[] = []
        const values: Record<string, unknown> = { name, updatedAt: this.now() }
        for (const [key, column] of Object.entries(patchColumns) as [keyof RoomPatch, string][]) {
            if (patch[key] === undefined) continue
            sets.push(`${column} = @${key}`)
            values[key] = key === 'allowOtherServers' ? (patch[key] ? 1 : 0) : patch[key]
        }
        if (sets.length) this.db.prepare(`UPDATE rooms SET ${sets.join(', ')}, updated_at = @updatedAt WHERE name = @name`).run(values)
        return this.getRoom(name)
    }

    async closeRoomsOfDeadNodes(alive: string[], createdBefore: number, now: number): Promise<string[]> {
        const rows = this.st.closeRoomsOfDeadNodes.all({ alive: JSON.stringify(alive), createdBefore, now }) as { name: string }[]
        return rows.map((r) => r.name)
    }

    /**
     * Room reads show and search creator names, so a queued profile write of a creator of an open room
     * must be committed first; any other queued write cannot change the answer and stays in its batch.
     */
    private settleCreators(): void {
        for (const id of this.commits.pendingIds('user')) {
            if (this.st.hasOpenRoom.get(id) !== undefined) return void this.commits.settle('user', id)
        }
    }

    /** Statements of room queries, one per shape of query (bounded: a few flags and up to 10 keywords). */
    private readonly roomStatements = new Map<string, Database.Statement>()

    private roomStatement(sql: string): Database.Statement {
        let st = this.roomStatements.get(sql)
        if (!st) {
            if (this.roomStatements.size >= 512) this.roomStatements.clear()
            st = this.db.prepare(sql)
            this.roomStatements.set(sql, st)
        }
        return st
    }

    /** WHERE clause and parameters of a room query; undefined when it cannot match anything. */
    private roomWhere(q: RoomQuery): { where: string; params: Record<string, unknown> } | undefined {
        const where = ['r.closed_at IS NULL']
        const params: Record<string, unknown> = { now: q.now, viewer: q.viewerId }
        if (!q.includeAllPrivate) {
            where.push(
                q.viewerId === null
                    ? 'r.password_hash IS NULL'
                    : `(r.password_hash IS NULL OR r.creator_id = @viewer OR EXISTS (
                        SELECT 1 FROM room_unlocks l WHERE l.room_name = r.name AND l.user_id = @viewer AND l.until > @now))`,
            )
        }
        q.keywords?.forEach((k, i) => {
            params[`k${i}`] = likePattern(k)
            where.push(`(r.title LIKE @k${i} ESCAPE '\\' OR r.name LIKE @k${i} ESCAPE '\\' OR coalesce(u.name, '') LIKE @k${i} ESCAPE '\\')`)
        })
        // Name sets travel as one JSON parameter: one statement whatever their size (thousands of live rooms).
        if (q.names) {
            if (!q.names.length) return undefined
            params.names = JSON.stringify(q.names)
            where.push('r.name IN (SELECT value FROM json_each(@names))')
        }
        if (q.exceptNames?.length) {
            params.exceptNames = JSON.stringify(q.exceptNames)
            where.push('r.name NOT IN (SELECT value FROM json_each(@exceptNames))')
        }
        if (q.createdBy !== undefined) {
            params.createdBy = q.createdBy
            where.push('r.creator_id = @createdBy')
        }
        if (q.exactTitle !== undefined) {
            params.exactTitle = q.exactTitle
            where.push('lower(r.title) = lower(@exactTitle)')
        }
        if (q.after) {
            params.afterAt = q.after.createdAt
            params.afterId = q.after.id
            where.push('(r.created_at < @afterAt OR (r.created_at = @afterAt AND r.id < @afterId))')
        }
        return { where: where.join(' AND '), params }
    }

    async listOpenRooms(q: RoomQuery): Promise<RoomRecord[]> {
        this.settleCreators()
        const built = this.roomWhere(q)
        if (!built) return []
        const { where, params } = built
        let sql = `SELECT ${roomColumns} ${roomFrom} WHERE ${where} ORDER BY r.created_at DESC, r.id DESC`
        if (q.limit !== undefined || q.offset !== undefined) {
            sql += ' LIMIT @limit OFFSET @offset'
            params.limit = q.limit ?? -1
            params.offset = q.offset ?? 0
        }
        return (this.roomStatement(sql).all(params) as RoomRow[]).map(toRoom)
    }

    async countOpenRooms(q: RoomQuery): Promise<number> {
        this.settleCreators()
        const built = this.roomWhere(q)
        if (!built) return 0
        // The users join only matters when keywords search creator names.
        const from = q.keywords?.length ? roomFrom : 'FROM rooms r'
        return this.count(this.roomStatement(`SELECT count(*) AS n ${from} WHERE ${built.where}`), built.params)
    }

    async addRoomBan(roomName: string, userId: string, until: number): Promise<void> {
        this.st.addRoomBan.run(roomName, userId, until)
    }

    async isRoomBanned(roomName: string, userId: string, now: number): Promise<boolean> {
        return this.st.isRoomBanned.get(roomName, userId, now) !== undefined
    }

    async listRoomBans(roomName: string, now: number): Promise<Map<string, number>> {
        const rows = this.st.listRoomBans.all(roomName, now) as { user_id: string; until: number }[]
        return new Map(rows.map((r) => [r.user_id, r.until]))
    }

    async addRoomUnlock(roomName: string, userId: string, until: number): Promise<void> {
        this.st.addRoomUnlock.run(roomName, userId, until)
    }

    async isRoomUnlocked(roomName: string, userId: string, now: number): Promise<boolean> {
        return this.st.isRoomUnlocked.get(roomName, userId, now) !== undefined
    }

    async upsertRoomMembership(m: RoomMembership): Promise<void> {
        this.st.upsertMembership.run(m)
    }

    async deleteRoomMembership(roomName: string, userId: string): Promise<boolean> {
        return this.st.deleteMembership.run(roomName, userId).changes === 1
    }

    async getRoomMembership(roomName: string, userId: string): Promise<RoomMembership | undefined> {
        const row = this.st.getMembership.get(roomName, userId) as { room_name: string; user_id: string; joined_at: number } | undefined
        return row && { roomName: row.room_name, userId: row.user_id, joinedAt: row.joined_at }
    }

    async listRoomMembers(roomName: string): Promise<RoomMember[]> {
        // Names come from users: a queued profile of a member of this room is committed first.
        for (const id of this.commits.pendingIds('user')) {
            if (this.st.getMembership.get(roomName, id) !== undefined) {
                this.commits.settle('user', id)
                break
            }
        }
        const rows = this.st.listMembers.all(roomName) as {
            room_name: string
            user_id: string
            joined_at: number
            handle: string | null
            name: string | null
        }[]
        return rows.map((r) => ({ roomName: r.room_name, userId: r.user_id, joinedAt: r.joined_at, handle: r.handle, name: r.name }))
    }

    async insertApiToken(token: NewApiToken): Promise<ApiTokenRecord> {
        return toApiToken(this.st.insertApiToken.get(token) as ApiTokenRow)
    }

    async getApiTokenByHash(tokenHash: string): Promise<ApiTokenRecord | undefined> {
        const row = this.st.getApiTokenByHash.get(tokenHash) as ApiTokenRow | undefined
        return row && toApiToken(row)
    }

    async listApiTokens(userId: string): Promise<ApiTokenRecord[]> {
        return (this.st.listApiTokens.all(userId) as ApiTokenRow[]).map(toApiToken)
    }

    async revokeApiToken(userId: string, id: number): Promise<boolean> {
        return this.st.revokeApiToken.run(userId, id).changes === 1
    }

    async touchApiToken(id: number, at: number): Promise<void> {
        this.st.touchApiToken.run(at, id)
    }

    // Chat lines, results and reports go through the group commit (one commit per turn, not one per
    // line); the room's frames that reveal them wait for it (afterCommit), and reads settle first.
    async insertChatMessage(m: NewChatMessage): Promise<number> {
        return this.commits.run([['chat', m.roomName]], () => Number(this.st.insertChat.run(m).lastInsertRowid))
    }

    async listChatMessages(roomName: string, options: { before?: number; limit: number }): Promise<StoredChatMessage[]> {
        this.commits.settle('chat', roomName)
        const rows = this.st.listChat.all(roomName, options.before ?? Number.MAX_SAFE_INTEGER, options.limit) as {
            id: number
            room_name: string
            user_id: string | null
            type: 'text' | 'quick'
            value: string
            at: number
        }[]
        return rows.map((r) => ({ id: r.id, roomName: r.room_name, userId: r.user_id, type: r.type, value: r.value, at: r.at }))
    }

    async insertRoundResult(r: NewRoundResult): Promise<number> {
        const row = { ...r, result: JSON.stringify(r.result) }
        return this.commits.run([['results', r.roomName]], () => Number(this.st.insertResult.run(row).lastInsertRowid))
    }

    async listRoundResults(roomName: string, options: { limit: number }): Promise<StoredRoundResult[]> {
        this.commits.settle('results', roomName)
        const rows = this.st.listResults.all(roomName, options.limit) as {
            id: number
            room_name: string
            round: number
            user_id: string
            result: string
            at: number
        }[]
        return rows.map((r) => ({ id: r.id, roomName: r.room_name, round: r.round, userId: r.user_id, result: JSON.parse(r.result), at: r.at }))
    }

    async insertReport(r: NewReport): Promise<number> {
        return this.commits.run([['report', r.roomName]], () => Number(this.st.insertReport.run(r).lastInsertRowid))
    }

    async listReports(options: { roomName?: string; open?: boolean; limit: number }): Promise<StoredReport[]> {
        if (options.roomName !== undefined) this.commits.settle('report', options.roomName)
        else this.commits.settleKind('report')
        const st = options.open ? this.st.listOpenReports : this.st.listReports
        return (st.all({ roomName: options.roomName ?? null, limit: options.limit }) as ReportRow[]).map(toReport)
    }

    async resolveReport(id: number, resolution: { at: number; note: string }): Promise<StoredReport | undefined> {
        // The report's room is not known from its id: every queued report is committed first.
        this.commits.settleKind('report')
        const row = this.st.resolveReport.get({ id, at: resolution.at, note: resolution.note }) as ReportRow | undefined
        return row && toReport(row)
    }

    async listUserChat(roomName: string, userId: string, options: { until: number; limit: number }): Promise<StoredChatMessage[]> {
        this.commits.settle('chat', roomName)
        return (this.st.listUserChat.all(roomName, userId, options.until, options.limit) as ChatRow[]).map(toChat)
    }

    async deleteChatMessage(id: number): Promise<StoredChatMessage | undefined> {
        // The line's room is not known from its id: every queued line is committed first.
        this.commits.settleKind('chat')
        const row = this.st.deleteChat.get(id) as ChatRow | undefined
        return row && toChat(row)
    }

    async putServerBan(ban: ServerBan): Promise<void> {
        this.st.putServerBan.run(ban)
    }

    async deleteServerBan(userId: string): Promise<boolean> {
        return this.st.deleteServerBan.run(userId).changes === 1
    }

    async listServerBans(now: number): Promise<ServerBan[]> {
        const rows = this.st.listServerBans.all(now) as { user_id: string; until: number; reason: string; created_at: number }[]
        return rows.map((r) => ({ userId: r.user_id, until: r.until, reason: r.reason, createdAt: r.created_at }))
    }

    async insertAuditEntry(entry: NewAuditEntry): Promise<number> {
        return Number(this.st.insertAudit.run({ ...entry, details: JSON.stringify(entry.details) }).lastInsertRowid)
    }

    async listAuditEntries(options: { before?: number; limit: number }): Promise<AuditEntry[]> {
        const rows = this.st.listAudit.all(options.before ?? Number.MAX_SAFE_INTEGER, options.limit) as {
            id: number
            at: number
            action: string
            target: string
            details: string
        }[]
        return rows.map((r) => ({
            id: r.id,
            at: r.at,
            action: r.action,
            target: r.target,
            details: JSON.parse(r.details) as Record<string, unknown>,
        }))
    }

    afterCommit(then: () => void): void {
        this.commits.afterCommit(then)
    }

    async ping(): Promise<void> {
        if (!this.db.open) throw new Error('the database is closed')
        this.db.prepare('SELECT 1').get()
    }

    async sweep(now: number): Promise<void> {
        this.commits.flush()
        this.db.transaction(() => {
            for (const st of this.st.sweep) st.run(now)
            // Every Sonolus session made by now - maxSessionTtlMs has expired; younger ones (a shorter TTL)
            // are refused when read and go at a later sweep. Keys sort by creation time (migration 8).
            this.st.sweepSessions.run({ before: tokenTimePrefix(Math.max(0, now - maxSessionTtlMs + 1)), now })
            // Rows in the order they were made, each living one window or TTL: the expired ones come first.
            // The walk to the first live row reads only what is deleted. A row that outlives a younger one
            // (the window or TTL changed between restarts) keeps the younger one until it expires too; a
            // nonce kept longer only refuses its replay longer, and an expired join session is refused
            // when taken.
            for (const { firstLive, before, all } of this.st.sweepInOrder) {
                const live = firstLive.get(now) as { key: number } | undefined
                if (live) before.run({ key: live.key, now })
                else all.run(now)
            }
        })()
        this.sweptThrough = Math.max(this.sweptThrough, now)
        if (this.legacyNonces) this.legacyNonces = this.hasLegacyNonces()
    }

    async close(): Promise<void> {
        if (!this.db.open) return
        this.commits.flush()
        // The thread's connection first: the last connection to close checkpoints and removes the WAL.
        await this.checkpointer?.close()
        if (!this.db.open) return
        this.commits.flush()
        this.db.close()
    }
}
