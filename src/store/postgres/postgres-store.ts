// The PostgreSQL Store (ENSEMBLE_DATABASE_URL=postgres://...), for operators who run PostgreSQL or outgrow
// one machine. A pool of connections; fixed statements are named (prepared once per connection);
// every write is committed (synchronous_commit as the server sets it, on by default) before its promise
// settles, so an answer sent after it survives a crash. Sign-ins, joins, sessions, profiles, chat lines
// and results go through the group commit; the rest are single statements or short transactions.
// Adding a method: write its SQL here (a named statement through q() or a transaction through tx());
// schema changes are a new entry in migrations.ts.
import pg from 'pg'
import type {
    ApiTokenRecord,
    AuditEntry,
    JoinSessionRecord,
    NewAuditEntry,
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
    ServerBan,
    SessionRecord,
    Store,
    WebLoginRecord,
    StoredChatMessage,
    StoredReport,
    StoredRoundResult,
    UserRecord,
} from '../store.js'
import { StoreUnavailableError } from '../errors.js'
import { PgGroupCommit, type Work } from './group-commit.js'
import type { Touch } from '../pending-writes.js'
import { migrate } from './migrations.js'
import {
    apiTokenColumns,
    chatColumns,
    likePattern,
    reservationColumns,
    toReservation,
    patchColumns,
    reportColumns,
    roomColumns,
    roomFrom,
    toApiToken,
    toChat,
    toReport,
    toRoom,
} from '../rows.js'

export type PostgresStoreOptions = {
    url: string
    /** Schema to use instead of public (tests run each store in its own). */
    schema?: string
    /** Connections in the pool (default 10). */
    poolSize?: number
    /** The app's clock (rooms' updatedAt, migration stamps). */
    now?: () => number
    /** How long a lost connection is retried before the operation fails (default 10 s). */
    retryForMs?: number
    log?: { error(obj: object, msg: string): void; warn?(obj: object, msg: string): void }
    /** Told how long each group-commit batch took to run and commit, in seconds (metrics). */
    onCommit?: (seconds: number) => void
}

type Query = { name?: string; text: string; values?: unknown[] }

// bigint columns (times, ids) come back as numbers: every value fits in 2^53.
const types = {
    getTypeParser: (oid: number, format?: any) => (oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)),
}

/** Errors after which the connection is gone and nothing of the transaction was committed. */
export function isConnectionError(e: unknown): boolean {
    const err = e as { code?: string; message?: string } | undefined
    if (!err) return false
    if (err.code && /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|57P01|57P02|57P03|08\w{3})$/.test(err.code))
        return true
    return /Connection terminated|connection error|timeout exceeded when trying to connect|Client was closed/i.test(err.message ?? '')
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const webLoginColumns = 'id, secret_hash, session_hash, user_id, created_at, expires_at'
const toWebLogin = (row: any): WebLoginRecord => ({
    id: row.id,
    secretHash: row.secret_hash,
    sessionHash: row.session_hash,
    userId: row.user_id,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
})

const toJoinSession = (row: any): JoinSessionRecord => ({
    tokenHash: row.token_hash,
    roomName: row.room_name,
    userId: row.user_id,
    payload: row.payload,
    expiresAt: row.expires_at,
})

// The nonce insert refuses a nonce a sweep (on any node) may already have forgotten.
const spendNonce = `INSERT INTO nonces (time, hash, expires_at)
    SELECT $1::float8, $2::text, $3::bigint WHERE $3::bigint > (SELECT swept_through FROM sweep_state WHERE id = 1)
    ON CONFLICT DO NOTHING RETURNING 1`
const upsertUser = (p: (n: number) => string, from = '') => `INSERT INTO users (id, handle, name, profile, updated_at)
    SELECT ${p(0)}::text, ${p(1)}::text, ${p(2)}::text, ${p(3)}::text, ${p(4)}::bigint ${from}
    ON CONFLICT (id) DO UPDATE SET handle = excluded.handle, name = excluded.name, profile = excluded.profile, updated_at = excluded.updated_at
    WHERE users.profile <> excluded.profile OR users.handle <> excluded.handle OR users.name <> excluded.name`
const param = (start: number) => (n: number) => `$${start + n}`

const sql = {
    upsertUser: upsertUser(param(1)),
    // A sign-in in one statement (one round trip): the profile and session are written only if the nonce was.
    signIn: `WITH n AS (${spendNonce}),
        u AS (${upsertUser(param(4), 'FROM n')}),
        s AS (INSERT INTO sessions (token_hash, user_id, created_at, expires_at) SELECT $9::text, $12::text, $10::bigint, $11::bigint FROM n)
        SELECT count(*)::int AS ok FROM n`,
    join: `WITH n AS (${spendNonce}),
        u AS (${upsertUser(param(4), 'FROM n')})
        SELECT count(*)::int AS ok FROM n`,
    joinWithSession: `WITH n AS (${spendNonce}),
        u AS (${upsertUser(param(4), 'FROM n')}),
        j AS (INSERT INTO join_sessions (token_hash, room_name, user_id, payload, expires_at)
            SELECT $9::text, $10::text, $13::text, $11::text, $12::bigint FROM n)
        SELECT count(*)::int AS ok FROM n`,
    useNonce: `WITH n AS (${spendNonce}) SELECT count(*)::int AS ok FROM n`,
    insertReservation: `INSERT INTO room_reservations (name, key_hash, creator_id, vals, created_at, expires_at)
        SELECT $1, $2, $3, $4, $5, $6 WHERE NOT EXISTS (SELECT 1 FROM rooms WHERE name = $1)
        ON CONFLICT (name) DO UPDATE SET key_hash = excluded.key_hash, creator_id = excluded.creator_id, vals = excluded.vals,
            created_at = excluded.created_at, expires_at = excluded.expires_at
        WHERE room_reservations.expires_at <= excluded.created_at`,
    insertRoom: `INSERT INTO rooms (name, creator_id, title, password_hash, max_players, scoring, teams, allow_other_servers,
            option_values, node_id, created_at, updated_at, closed_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, NULL)`,
    // The nodes hosting open rooms are found by skipping through rooms_open_by_node (one probe per node,
    // not a read of every open room), so the sweep every node runs every second costs next to nothing
    // while no node has died. Every node sweeps, so several may close the same dead node's rooms at once:
    // rows are locked in id order (no deadlock between sweeps), and a room another sweep closed meanwhile
    // is re-read and skipped (its name is returned once, by the sweep that closed it). The
    // rooms_count_closes trigger keeps room_totals in the same statement, once for all the rooms closed.
    closeRoomsOfDeadNodes: `WITH RECURSIVE hosts AS (
            SELECT min(node_id) AS node_id FROM rooms WHERE closed_at IS NULL
            UNION ALL
            SELECT (SELECT min(node_id) FROM rooms WHERE closed_at IS NULL AND node_id > hosts.node_id) FROM hosts WHERE hosts.node_id IS NOT NULL
        ),
        dead AS (
            SELECT id FROM rooms
            WHERE closed_at IS NULL AND created_at < $2
                AND (node_id IS NULL OR node_id = ANY (ARRAY(SELECT node_id FROM hosts WHERE NOT (node_id = ANY ($1::text[])))))
            ORDER BY id FOR UPDATE
        )
        UPDATE rooms SET closed_at = $3, updated_at = $3 WHERE id = ANY (ARRAY(SELECT id FROM dead)) RETURNING name`,
    sweep: [
        'DELETE FROM user_bans WHERE until <= $1',
        'DELETE FROM sessions WHERE expires_at <= $1',
        'DELETE FROM nonces WHERE expires_at <= $1',
        'DELETE FROM join_sessions WHERE expires_at <= $1',
        'DELETE FROM room_reservations WHERE expires_at <= $1',
        'DELETE FROM room_unlocks WHERE until <= $1',
        'DELETE FROM room_bans WHERE until <= $1',
        'DELETE FROM web_logins WHERE expires_at <= $1',
        'UPDATE sweep_state SET swept_through = greatest(swept_through, $1::float8) WHERE id = 1',
    ],
}

export class PostgresStore implements Store {
    readonly pool: pg.Pool
    readonly commits: PgGroupCommit
    private readonly now: () => number
    private readonly retryForMs: number
    private closed = false
    private readonly guarded = new WeakSet<pg.PoolClient>()

    private constructor(private readonly options: PostgresStoreOptions) {
        this.now = options.now ?? Date.now
        this.retryForMs = options.retryForMs ?? 10_000
        this.pool = new pg.Pool({
            connectionString: options.url,
            max: options.poolSize ?? 10,
            connectionTimeoutMillis: 5000,
            idleTimeoutMillis: 30_000,
            types,
            ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
        })
        // An idle connection dropped by the server (restart, network): the pool replaces it; never a crash.
        this.pool.on('error', (err) => options.log?.error({ err }, 'PostgreSQL connection lost (idle); reconnecting on next use'))
        this.commits = new PgGroupCommit((work) => this.tx(work))
        this.commits.onCommit = options.onCommit
    }

    /** Connects, migrates (once across nodes: advisory lock) and returns the store; StoreUnavailableError when unreachable. */
    static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
        const store = new PostgresStore(options)
        let client: pg.PoolClient
        try {
            client = await store.pool.connect()
        } catch (e) {
            await store.pool.end().catch(() => {})
            throw new StoreUnavailableError(`cannot reach PostgreSQL at ${describeUrl(options.url)}: ${(e as Error).message || (e as any).code}`)
        }
        try {
            await migrate(client, store.now())
        } catch (e) {
            client.release(true)
            await store.pool.end().catch(() => {})
            throw new StoreUnavailableError(`PostgreSQL at ${describeUrl(options.url)}: migration failed: ${(e as Error).message}`)
        }
        client.release()
        return store
    }

    // Retry deadlines below read the wall clock, not the app's injected one: they bound real waits
    // (setTimeout), and a frozen test clock must not make them endless. Nothing they decide expires data.

    /** Gets a connection, retrying while the database is unreachable (up to retryForMs). */
    private async connect(): Promise<pg.PoolClient> {
        const deadline = Date.now() + this.retryForMs
        for (let wait = 50; ; wait = Math.min(wait * 2, 1000)) {
            try {
                const client = await this.pool.connect()
                // A connection dropped while checked out between two statements emits 'error' on the
                // client (the pool listens only to idle ones): without a listener that is an uncaught
                // exception. The next statement on it fails as a connection error and is handled there.
                if (!this.guarded.has(client)) {
                    this.guarded.add(client)
                    client.on('error', (err) => this.options.log?.error({ err }, 'PostgreSQL connection lost (in use)'))
                }
                return client
            } catch (e) {
                if (this.closed || !isConnectionError(e) || Date.now() + wait > deadline) throw e
                this.options.log?.warn?.({ err: e }, 'PostgreSQL unreachable; retrying')
                await sleep(wait)
            }
        }
    }

    /**
     * One transaction. A connection lost before COMMIT was sent rolls it back on the server, so it is
     * run again on a fresh connection; a loss during COMMIT leaves the outcome unknown and fails.
     */
    private async tx<T>(work: Work<T>): Promise<T> {
        const deadline = Date.now() + this.retryForMs
        for (let wait = 50; ; wait = Math.min(wait * 2, 1000)) {
            const client = await this.connect()
            let committing = false
            try {
                await client.query('BEGIN')
                const result = await work(client)
                committing = true
                await client.query('COMMIT')
                client.release()
                return result
            } catch (e) {
                if (isConnectionError(e)) client.release(true)
                else {
                    await client.query('ROLLBACK').catch(() => {})
                    client.release()
                }
                if (committing || this.closed || !isConnectionError(e) || Date.now() + wait > deadline) throw e
                await sleep(wait)
            }
        }
    }

    /**
     * One statement outside a transaction. Reads (`retry`) are run again after a lost connection; a
     * write is retried only when the connection could not be had, since it may have been committed.
     */
    private async q(query: Query, retry = false): Promise<pg.QueryResult<any>> {
        const deadline = Date.now() + this.retryForMs
        for (let wait = 50; ; wait = Math.min(wait * 2, 1000)) {
            const client = await this.connect()
            try {
                const result = await client.query(query)
                client.release()
                return result
            } catch (e) {
                const lost = isConnectionError(e)
                client.release(lost ? true : undefined)
                if (!retry || !lost || this.closed || Date.now() + wait > deadline) throw e
                await sleep(wait)
            }
        }
    }

    private userValues(u: UserRecord): unknown[] {
        return [u.id, u.handle, u.name, JSON.stringify(u.profile), u.updatedAt]
    }

    // users and sessions (group commit)

    async upsertUser(user: UserRecord): Promise<void> {
        await this.commits.run([['user', user.id]], (c) => c.query({ name: 'upsert_user', text: sql.upsertUser, values: this.userValues(user) }))
    }

    async getUser(id: string): Promise<UserRecord | undefined> {
        await this.commits.settle('user', id)
        const row = (
            await this.q({ name: 'get_user', text: 'SELECT id, handle, name, profile, updated_at FROM users WHERE id = $1', values: [id] }, true)
        ).rows[0]
        return row && { id: row.id, handle: row.handle, name: row.name, profile: JSON.parse(row.profile), updatedAt: row.updated_at }
    }

    async insertSession(s: SessionRecord): Promise<void> {
        await this.commits.run([['session', s.tokenHash]], (c) =>
            c.query({
                name: 'insert_session',
                text: 'INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)',
                values: [s.tokenHash, s.userId, s.createdAt, s.expiresAt],
            }),
        )
    }

    async getSession(tokenHash: string): Promise<SessionRecord | undefined> {
        await this.commits.settle('session', tokenHash)
        const row = (
            await this.q(
                {
                    name: 'get_session',
                    text: 'SELECT token_hash, user_id, created_at, expires_at FROM sessions WHERE token_hash = $1',
                    values: [tokenHash],
                },
                true,
            )
        ).rows[0]
        return row && { tokenHash: row.token_hash, userId: row.user_id, createdAt: row.created_at, expiresAt: row.expires_at }
    }

    async deleteSession(tokenHash: string): Promise<void> {
        await this.commits.run([['session', tokenHash]], (c) =>
            c.query({ name: 'delete_session', text: 'DELETE FROM sessions WHERE token_hash = $1', values: [tokenHash] }),
        )
    }

    async useNonce(n: Nonce): Promise<boolean> {
        return this.commits.run(
            [],
            async (c) => (await c.query({ name: 'use_nonce', text: sql.useNonce, values: [n.time, n.hash, n.expiresAt] })).rows[0].ok === 1,
        )
    }

    async recordSignIn({ nonce: n, user, session: s }: { nonce: Nonce; user: UserRecord; session: SessionRecord }): Promise<boolean> {
        const values = [n.time, n.hash, n.expiresAt, ...this.userValues(user), s.tokenHash, s.createdAt, s.expiresAt, s.userId]
        return this.commits.run(
            [
                ['user', user.id],
                ['session', s.tokenHash],
            ],
            async (c) => (await c.query({ name: 'sign_in', text: sql.signIn, values })).rows[0].ok === 1,
        )
    }

    async recordJoin({ nonce: n, user, joinSession: j }: { nonce: Nonce; user: UserRecord; joinSession?: JoinSessionRecord }): Promise<boolean> {
        const base = [n.time, n.hash, n.expiresAt, ...this.userValues(user)]
        const query: Query = j
            ? { name: 'join_with_session', text: sql.joinWithSession, values: [...base, j.tokenHash, j.roomName, j.payload, j.expiresAt, j.userId] }
            : { name: 'join', text: sql.join, values: base }
        const touches: Touch[] = [['user', user.id], ...(j ? [['join', j.tokenHash] as const] : [])]
        return this.commits.run(touches, async (c) => (await c.query(query)).rows[0].ok === 1)
    }

    // web sign-ins: rare, so statements and a short transaction of their own

    async insertWebLogin(l: Omit<WebLoginRecord, 'userId'>, cap: number): Promise<boolean> {
        const r = await this.q({
            name: 'insert_web_login',
            text: `INSERT INTO web_logins (id, secret_hash, session_hash, user_id, created_at, expires_at)
                SELECT $1::text, $2::text, $3::text, NULL, $4::bigint, $5::bigint
                WHERE (SELECT count(*) FROM web_logins WHERE expires_at > $4::bigint) < $6::bigint`,
            values: [l.id, l.secretHash, l.sessionHash, l.createdAt, l.expiresAt, cap],
        })
        return r.rowCount === 1
    }

    async getWebLogin(id: string): Promise<WebLoginRecord | undefined> {
        const row = (await this.q({ name: 'get_web_login', text: `SELECT ${webLoginColumns} FROM web_logins WHERE id = $1`, values: [id] }, true))
            .rows[0]
        return row && toWebLogin(row)
    }

    async completeWebLogin(c: Parameters<Store['completeWebLogin']>[0]): Promise<'done' | 'replayed' | 'expired'> {
        const { nonce: n, user, session: s } = c
        return this.tx(async (client) => {
            // The row lock makes two signed bodies for one link (on two nodes) take turns: the second finds it done.
            const login = (
                await client.query({
                    name: 'lock_web_login',
                    text: `SELECT ${webLoginColumns} FROM web_logins WHERE id = $1 FOR UPDATE`,
                    values: [c.id],
                })
            ).rows[0]
            if (!login || login.user_id !== null || login.expires_at <= c.now) return 'expired'
            const values = [n.time, n.hash, n.expiresAt, ...this.userValues(user), login.session_hash, s.createdAt, s.expiresAt, s.userId]
            if ((await client.query({ name: 'sign_in', text: sql.signIn, values })).rows[0].ok !== 1) return 'replayed'
            await client.query({
                name: 'finish_web_login',
                text: 'UPDATE web_logins SET user_id = $2, expires_at = $3 WHERE id = $1',
                values: [c.id, s.userId, c.pickupUntil],
            })
            return 'done'
        })
    }

    async pollWebLogin(id: string, secretHash: string, now: number): Promise<WebLoginRecord | undefined> {
        // A done sign-in is deleted as it is read (handed over once); a pending one is only read.
        const row = (
            await this.q({
                name: 'poll_web_login',
                text: `WITH done AS (DELETE FROM web_logins WHERE id = $1 AND secret_hash = $2 AND expires_at > $3 AND user_id IS NOT NULL
                        RETURNING ${webLoginColumns})
                    SELECT ${webLoginColumns} FROM done
                    UNION ALL SELECT ${webLoginColumns} FROM web_logins WHERE id = $1 AND secret_hash = $2 AND expires_at > $3 AND user_id IS NULL`,
                values: [id, secretHash, now],
            })
        ).rows[0]
        return row && toWebLogin(row)
    }

    private insertJoinSessionWith(c: pg.PoolClient, j: JoinSessionRecord) {
        return c.query({
            name: 'insert_join_session',
            text: 'INSERT INTO join_sessions (token_hash, room_name, user_id, payload, expires_at) VALUES ($1, $2, $3, $4, $5)',
            values: [j.tokenHash, j.roomName, j.userId, j.payload, j.expiresAt],
        })
    }

    async insertJoinSession(j: JoinSessionRecord): Promise<void> {
        await this.commits.run([['join', j.tokenHash]], (c) => this.insertJoinSessionWith(c, j))
    }

    async takeJoinSession(tokenHash: string): Promise<JoinSessionRecord | undefined> {
        await this.commits.settle('join', tokenHash)
        const row = (
            await this.q({
                name: 'take_join_session',
                text: 'DELETE FROM join_sessions WHERE token_hash = $1 RETURNING token_hash, room_name, user_id, payload, expires_at',
                values: [tokenHash],
            })
        ).rows[0]
        return row && toJoinSession(row)
    }

    // rooms

    async isRoomNameTaken(name: string, now: number): Promise<boolean> {
        const r = await this.q(
            {
                name: 'room_name_taken',
                text: 'SELECT EXISTS (SELECT 1 FROM rooms WHERE name = $1) OR EXISTS (SELECT 1 FROM room_reservations WHERE name = $1 AND expires_at > $2) AS taken',
                values: [name, now],
            },
            true,
        )
        return r.rows[0].taken
    }

    /** Cap counts, read after locking the room_totals row: cap checks of every node run one at a time. */
    private async capCounts(c: pg.PoolClient, creatorId: string, now: number | null) {
        const total = (await c.query({ name: 'lock_totals', text: 'SELECT open_rooms FROM room_totals WHERE id = 1 FOR UPDATE' })).rows[0]
            .open_rooms as number
        const creator = (
            await c.query({
                name: 'creator_counts',
                text: `SELECT (SELECT count(*) FROM rooms WHERE creator_id = $1 AND closed_at IS NULL)::int AS rooms,
                    (SELECT count(*) FROM room_reservations WHERE creator_id = $1 AND expires_at > $2)::int AS reservations`,
                values: [creatorId, now ?? Number.MAX_SAFE_INTEGER],
            })
        ).rows[0]
        return { total, rooms: creator.rooms as number, reservations: now === null ? 0 : (creator.reservations as number) }
    }

    async insertReservation(r: ReservationRecord, caps?: RoomCaps): Promise<RoomCapRefusal | undefined> {
        return this.tx(async (c) => {
            if (caps) {
                const n = await this.capCounts(c, r.creatorId, r.createdAt)
                if (n.rooms + n.reservations >= caps.perCreator) return 'creatorCap'
                if (n.total >= caps.total) return 'serverCap'
            }
            const res = await c.query({
                name: 'insert_reservation',
                text: sql.insertReservation,
                values: [r.name, r.keyHash, r.creatorId, r.values, r.createdAt, r.expiresAt],
            })
            if (res.rowCount !== 1) throw new Error(`room name ${r.name} is taken`)
            return undefined
        })
    }

    async getReservation(name: string, now: number): Promise<ReservationRecord | undefined> {
        const row = (
            await this.q(
                {
                    name: 'get_reservation',
                    text: `SELECT ${reservationColumns} FROM room_reservations WHERE name = $1 AND expires_at > $2`,
                    values: [name, now],
                },
                true,
            )
        ).rows[0]
        return row && toReservation(row)
    }

    async createRoomFromReservation(
        claim: { name: string; keyHash: string; creatorId: string; now: number },
        room: NewRoom,
        caps?: RoomCaps,
    ): Promise<RoomRecord | RoomCapRefusal | undefined> {
        const outcome = await this.tx(async (c): Promise<RoomCapRefusal | boolean> => {
            const n = caps ? await this.capCounts(c, claim.creatorId, null) : undefined
            // Lock the reservation: two claims of one key cannot both pass.
            const live = await c.query({
                name: 'lock_claim',
                text: 'SELECT 1 FROM room_reservations WHERE name = $1 AND key_hash = $2 AND creator_id = $3 AND expires_at > $4 FOR UPDATE',
                values: [claim.name, claim.keyHash, claim.creatorId, claim.now],
            })
            if (!live.rowCount) return false
            if (caps && n) {
                if (n.rooms >= caps.perCreator) return 'creatorCap'
                if (n.total >= caps.total) return 'serverCap'
            }
            await c.query({ name: 'claim_reservation', text: 'DELETE FROM room_reservations WHERE name = $1', values: [claim.name] })
            await c.query({
                name: 'insert_room',
                text: sql.insertRoom,
                values: [
                    room.name,
                    room.creatorId,
                    room.title,
                    room.passwordHash,
                    room.maxPlayers,
                    room.scoring,
                    room.teams,
                    room.allowOtherServers,
                    room.optionValues,
                    room.nodeId,
                    room.createdAt,
                ],
            })
            return true
        })
        if (typeof outcome === 'string') return outcome
        return outcome ? this.getRoom(room.name) : undefined
    }

    async getRoom(name: string): Promise<RoomRecord | undefined> {
        const read = async () =>
            (await this.q({ name: 'get_room', text: `SELECT ${roomColumns} ${roomFrom} WHERE r.name = $1`, values: [name] }, true)).rows[0]
        // The creator's name comes from users: a profile queued or committing when the read starts may
        // be missing from it, so the room is read again once that write settled. (Asking only after the
        // read missed a batch that committed during the read: it is no longer pending by then.)
        const pending = this.commits.pendingIds('user')
        let row = await read()
        if (row && pending.includes(row.creator_id)) {
            await this.commits.settle('user', row.creator_id)
            row = await read()
        }
        return row && toRoom(row)
    }

    /**
     * Room reads show and search creator names: queued profiles of creators of open rooms are committed
     * first; other queued profiles cannot change the answer, and the read does not wait for their batch.
     */
    private async settleCreators(): Promise<void> {
        const ids = this.commits.pendingIds('user')
        if (!ids.length) return
        const creators = await this.q(
            {
                name: 'open_room_creators',
                text: 'SELECT DISTINCT creator_id FROM rooms WHERE creator_id = ANY($1::text[]) AND closed_at IS NULL',
                values: [ids],
            },
            true,
        )
        await Promise.all(creators.rows.map((r) => this.commits.settle('user', r.creator_id)))
    }

    async updateRoom(name: string, patch: RoomPatch): Promise<RoomRecord | undefined> {
        const sets: string[] = []
        const values: unknown[] = [name, this.now()]
        for (const [key, column] of Object.entries(patchColumns) as [keyof RoomPatch, string][]) {
            if (patch[key] === undefined) continue
            values.push(patch[key])
            sets.push(`${column} = $${values.length}`)
        }
        if (sets.length) await this.q({ text: `UPDATE rooms SET ${sets.join(', ')}, updated_at = $2 WHERE name = $1`, values })
        return this.getRoom(name)
    }

    /** A single write, not retried after a lost connection (it may have been committed; the next sweep finds the rest). */
    async closeRoomsOfDeadNodes(alive: string[], createdBefore: number, now: number): Promise<string[]> {
        const r = await this.q({ name: 'close_rooms_of_dead_nodes', text: sql.closeRoomsOfDeadNodes, values: [alive, createdBefore, now] })
        return r.rows.map((row: { name: string }) => row.name)
    }

    /** WHERE clause and parameters of a room query; undefined when it cannot match anything. */
    private roomWhere(q: RoomQuery): { where: string; values: unknown[] } | undefined {
        const values: unknown[] = []
        const p = (v: unknown) => (values.push(v), `$${values.length}`)
        const where = ['r.closed_at IS NULL']
        if (!q.includeAllPrivate) {
            if (q.viewerId === null) where.push('r.password_hash IS NULL')
            else {
                const viewer = p(q.viewerId)
                where.push(`(r.password_hash IS NULL OR r.creator_id = ${viewer} OR EXISTS (
                    SELECT 1 FROM room_unlocks l WHERE l.room_name = r.name AND l.user_id = ${viewer} AND l.until > ${p(q.now)}))`)
            }
        }
        for (const k of q.keywords ?? []) {
            const kp = p(likePattern(k))
            where.push(`(r.title ILIKE ${kp} OR r.name ILIKE ${kp} OR coalesce(u.name, '') ILIKE ${kp})`)
        }
        // Name sets travel as one array parameter: one statement whatever their size.
        if (q.names) {
            if (!q.names.length) return undefined
            where.push(`r.name = ANY(${p(q.names)}::text[])`)
        }
        if (q.exceptNames?.length) where.push(`NOT (r.name = ANY(${p(q.exceptNames)}::text[]))`)
        if (q.createdBy !== undefined) where.push(`r.creator_id = ${p(q.createdBy)}`)
        if (q.exactTitle !== undefined) where.push(`lower(r.title) = lower(${p(q.exactTitle)})`)
        if (q.after) {
            const at = p(q.after.createdAt)
            where.push(`(r.created_at, r.id) < (${at}, ${p(q.after.id)})`)
        }
        return { where: where.join(' AND '), values }
    }

    async listOpenRooms(q: RoomQuery): Promise<RoomRecord[]> {
        await this.settleCreators()
        const built = this.roomWhere(q)
        if (!built) return []
        const { where, values } = built
        let text = `SELECT ${roomColumns} ${roomFrom} WHERE ${where} ORDER BY r.created_at DESC, r.id DESC`
        // LIMIT NULL: no limit.
        if (q.limit !== undefined || q.offset !== undefined) {
            values.push(q.limit ?? null, q.offset ?? 0)
            text += ` LIMIT $${values.length - 1} OFFSET $${values.length}`
        }
        return (await this.q({ text, values }, true)).rows.map(toRoom)
    }

    async countOpenRooms(q: RoomQuery): Promise<number> {
        await this.settleCreators()
        const built = this.roomWhere(q)
        if (!built) return 0
        const from = q.keywords?.length ? roomFrom : 'FROM rooms r'
        return (await this.q({ text: `SELECT count(*)::int AS n ${from} WHERE ${built.where}`, values: built.values }, true)).rows[0].n
    }

    async addRoomBan(roomName: string, userId: string, until: number): Promise<void> {
        await this.q({
            name: 'add_room_ban',
            text: `INSERT INTO room_bans (room_name, user_id, until) VALUES ($1, $2, $3)
                ON CONFLICT (room_name, user_id) DO UPDATE SET until = greatest(room_bans.until, excluded.until)`,
            values: [roomName, userId, until],
        })
    }

    async isRoomBanned(roomName: string, userId: string, now: number): Promise<boolean> {
        const r = await this.q(
            {
                name: 'is_room_banned',
                text: 'SELECT 1 FROM room_bans WHERE room_name = $1 AND user_id = $2 AND until > $3',
                values: [roomName, userId, now],
            },
            true,
        )
        return r.rowCount === 1
    }

    async listRoomBans(roomName: string, now: number): Promise<Map<string, number>> {
        const r = await this.q(
            {
                name: 'list_room_bans',
                text: 'SELECT user_id, until FROM room_bans WHERE room_name = $1 AND until > $2',
                values: [roomName, now],
            },
            true,
        )
        return new Map(r.rows.map((row: { user_id: string; until: string | number }) => [row.user_id, Number(row.until)]))
    }

    async addRoomUnlock(roomName: string, userId: string, until: number): Promise<void> {
        await this.q({
            name: 'add_room_unlock',
            text: `INSERT INTO room_unlocks (room_name, user_id, until) VALUES ($1, $2, $3)
                ON CONFLICT (room_name, user_id) DO UPDATE SET until = greatest(room_unlocks.until, excluded.until)`,
            values: [roomName, userId, until],
        })
    }

    async isRoomUnlocked(roomName: string, userId: string, now: number): Promise<boolean> {
        const r = await this.q(
            {
                name: 'is_room_unlocked',
                text: 'SELECT 1 FROM room_unlocks WHERE room_name = $1 AND user_id = $2 AND until > $3',
                values: [roomName, userId, now],
            },
            true,
        )
        return r.rowCount === 1
    }

    // API memberships and tokens

    async upsertRoomMembership(m: RoomMembership): Promise<void> {
        await this.q({
            name: 'upsert_membership',
            text: `INSERT INTO room_memberships (room_name, user_id, joined_at) VALUES ($1, $2, $3)
                ON CONFLICT (room_name, user_id) DO UPDATE SET joined_at = excluded.joined_at`,
            values: [m.roomName, m.userId, m.joinedAt],
        })
    }

    async deleteRoomMembership(roomName: string, userId: string): Promise<boolean> {
        const r = await this.q({
            name: 'delete_membership',
            text: 'DELETE FROM room_memberships WHERE room_name = $1 AND user_id = $2',
            values: [roomName, userId],
        })
        return r.rowCount === 1
    }

    /** Member lists show names from users: queued profiles of members of this room are committed first. */
    private async settleMembers(roomName: string): Promise<void> {
        const ids = this.commits.pendingIds('user')
        if (!ids.length) return
        const members = await this.q(
            {
                name: 'pending_members',
                text: 'SELECT user_id FROM room_memberships WHERE room_name = $1 AND user_id = ANY($2::text[])',
                values: [roomName, ids],
            },
            true,
        )
        await Promise.all(members.rows.map((r) => this.commits.settle('user', r.user_id)))
    }

    async getRoomMembership(roomName: string, userId: string): Promise<RoomMembership | undefined> {
        const row = (
            await this.q(
                {
                    name: 'get_membership',
                    text: 'SELECT joined_at FROM room_memberships WHERE room_name = $1 AND user_id = $2',
                    values: [roomName, userId],
                },
                true,
            )
        ).rows[0]
        return row && { roomName, userId, joinedAt: row.joined_at }
    }

    async listRoomMembers(roomName: string): Promise<RoomMember[]> {
        await this.settleMembers(roomName)
        const rows = (
            await this.q(
                {
                    name: 'list_members',
                    text: `SELECT m.room_name, m.user_id, m.joined_at, u.handle, u.name FROM room_memberships m
                        LEFT JOIN users u ON u.id = m.user_id WHERE m.room_name = $1 ORDER BY m.joined_at, m.user_id`,
                    values: [roomName],
                },
                true,
            )
        ).rows
        return rows.map((r) => ({ roomName: r.room_name, userId: r.user_id, joinedAt: r.joined_at, handle: r.handle, name: r.name }))
    }

    async insertApiToken(t: NewApiToken): Promise<ApiTokenRecord> {
        const r = await this.q({
            name: 'insert_api_token',
            text: `INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING ${apiTokenColumns}`,
            values: [t.userId, t.name, t.tokenHash, t.createdAt],
        })
        return toApiToken(r.rows[0])
    }

    async getApiTokenByHash(tokenHash: string): Promise<ApiTokenRecord | undefined> {
        const row = (
            await this.q(
                { name: 'get_api_token', text: `SELECT ${apiTokenColumns} FROM api_tokens WHERE token_hash = $1`, values: [tokenHash] },
                true,
            )
        ).rows[0]
        return row && toApiToken(row)
    }

    async listApiTokens(userId: string): Promise<ApiTokenRecord[]> {
        const r = await this.q(
            {
                name: 'list_api_tokens',
                text: `SELECT ${apiTokenColumns} FROM api_tokens WHERE user_id = $1 AND NOT revoked ORDER BY id`,
                values: [userId],
            },
            true,
        )
        return r.rows.map(toApiToken)
    }

    async revokeApiToken(userId: string, id: number): Promise<boolean> {
        const r = await this.q({
            name: 'revoke_api_token',
            text: 'UPDATE api_tokens SET revoked = true WHERE user_id = $1 AND id = $2 AND NOT revoked',
            values: [userId, id],
        })
        return r.rowCount === 1
    }

    async touchApiToken(id: number, at: number): Promise<void> {
        await this.q({ name: 'touch_api_token', text: 'UPDATE api_tokens SET last_used_at = $2 WHERE id = $1', values: [id, at] })
    }

    // what rooms leave behind

    /**
     * Waits for the queued room writes only (chat lines, results, reports): sign-ins do not hold frames
     * back. For half a second at most: a database that stopped answering (writes are retried for up to
     * retryForMs) must not freeze every room of the node; the frames then go as they did before.
     */
    afterCommit(then: () => void): void {
        const kinds = (['chat', 'results', 'report'] as const).filter((kind) => this.commits.hasKind(kind))
        if (!kinds.length) return then()
        let called = false
        const go = () => {
            if (called) return
            called = true
            clearTimeout(timer)
            then()
        }
        const timer = setTimeout(go, 500)
        void Promise.all(kinds.map((kind) => this.commits.settleKind(kind))).then(go)
    }

    // Chat lines and results go through the group commit: batches commit one after another and a batch
    // runs its jobs in order, so ids follow the order lines were asked for (the pool alone would race).
    async insertChatMessage(m: NewChatMessage): Promise<number> {
        return this.commits.run([['chat', m.roomName]], async (c) => {
            const r = await c.query({
                name: 'insert_chat',
                text: 'INSERT INTO chat_messages (room_name, user_id, type, value, at) VALUES ($1, $2, $3, $4, $5) RETURNING id',
                values: [m.roomName, m.userId, m.type, m.value, m.at],
            })
            return r.rows[0].id as number
        })
    }

    async listChatMessages(roomName: string, options: { before?: number; limit: number }): Promise<StoredChatMessage[]> {
        await this.commits.settle('chat', roomName)
        const r = await this.q(
            {
                name: 'list_chat',
                text: `SELECT ${chatColumns} FROM chat_messages WHERE room_name = $1 AND id < $2 ORDER BY id DESC LIMIT $3`,
                values: [roomName, options.before ?? Number.MAX_SAFE_INTEGER, options.limit],
            },
            true,
        )
        return r.rows.map(toChat)
    }

    async listUserChat(roomName: string, userId: string, options: { until: number; limit: number }): Promise<StoredChatMessage[]> {
        await this.commits.settle('chat', roomName)
        const r = await this.q(
            {
                name: 'list_user_chat',
                text: `SELECT ${chatColumns} FROM chat_messages WHERE room_name = $1 AND user_id = $2 AND at <= $3 ORDER BY id DESC LIMIT $4`,
                values: [roomName, userId, options.until, options.limit],
            },
            true,
        )
        return r.rows.map(toChat)
    }

    async deleteChatMessage(id: number): Promise<StoredChatMessage | undefined> {
        // The line's room is not known from its id: every queued line is committed first, so a delete
        // never misses a line still in the group commit (and a line queued later cannot take its id).
        await this.commits.settleKind('chat')
        const r = await this.q({ name: 'delete_chat', text: `DELETE FROM chat_messages WHERE id = $1 RETURNING ${chatColumns}`, values: [id] })
        return r.rows[0] && toChat(r.rows[0])
    }

    async insertRoundResult(x: NewRoundResult): Promise<number> {
        return this.commits.run([['results', x.roomName]], async (c) => {
            const r = await c.query({
                name: 'insert_result',
                text: 'INSERT INTO round_results (room_name, round, user_id, result, at) VALUES ($1, $2, $3, $4, $5) RETURNING id',
                values: [x.roomName, x.round, x.userId, JSON.stringify(x.result), x.at],
            })
            return r.rows[0].id as number
        })
    }

    async listRoundResults(roomName: string, options: { limit: number }): Promise<StoredRoundResult[]> {
        await this.commits.settle('results', roomName)
        const r = await this.q(
            {
                name: 'list_results',
                text: 'SELECT id, room_name, round, user_id, result, at FROM round_results WHERE room_name = $1 ORDER BY id DESC LIMIT $2',
                values: [roomName, options.limit],
            },
            true,
        )
        return r.rows.map((x) => ({ id: x.id, roomName: x.room_name, round: x.round, userId: x.user_id, result: JSON.parse(x.result), at: x.at }))
    }

    // Reports go through the group commit like chat lines: the reporter is told at once, and a moderator's
    // list asked for after that must find the report (it waits for the queued ones).
    async insertReport(x: NewReport): Promise<number> {
        return this.commits.run([['report', x.roomName]], async (c) => {
            const r = await c.query({
                name: 'insert_report',
                text: 'INSERT INTO reports (room_name, reporter_id, target_id, option_values, at) VALUES ($1, $2, $3, $4, $5) RETURNING id',
                values: [x.roomName, x.reporterId, x.targetId, x.optionValues, x.at],
            })
            return r.rows[0].id as number
        })
    }

    async listReports(options: { roomName?: string; open?: boolean; limit: number }): Promise<StoredReport[]> {
        if (options.roomName !== undefined) await this.commits.settle('report', options.roomName)
        else await this.commits.settleKind('report')
        // Two statements rather than one with an OR: the open queue uses its partial index.
        const r = await this.q(
            options.open
                ? {
                      name: 'list_open_reports',
                      text: `SELECT ${reportColumns} FROM reports
                          WHERE resolved_at IS NULL AND ($1::text IS NULL OR room_name = $1) ORDER BY id DESC LIMIT $2`,
                      values: [options.roomName ?? null, options.limit],
                  }
                : {
                      name: 'list_reports',
                      text: `SELECT ${reportColumns} FROM reports WHERE ($1::text IS NULL OR room_name = $1) ORDER BY id DESC LIMIT $2`,
                      values: [options.roomName ?? null, options.limit],
                  },
            true,
        )
        return r.rows.map(toReport)
    }

    async resolveReport(id: number, resolution: { at: number; note: string }): Promise<StoredReport | undefined> {
        const r = await this.q({
            name: 'resolve_report',
            text: `UPDATE reports SET resolved_at = $2, resolution = $3 WHERE id = $1 AND resolved_at IS NULL RETURNING ${reportColumns}`,
            values: [id, resolution.at, resolution.note],
        })
        return r.rows[0] && toReport(r.rows[0])
    }

    // moderation

    async putServerBan(ban: ServerBan): Promise<void> {
        await this.q({
            name: 'put_server_ban',
            text: `INSERT INTO user_bans (user_id, until, reason, created_at) VALUES ($1, $2, $3, $4)
                ON CONFLICT (user_id) DO UPDATE SET until = excluded.until, reason = excluded.reason, created_at = excluded.created_at`,
            values: [ban.userId, ban.until, ban.reason, ban.createdAt],
        })
    }

    async deleteServerBan(userId: string): Promise<boolean> {
        const r = await this.q({ name: 'delete_server_ban', text: 'DELETE FROM user_bans WHERE user_id = $1', values: [userId] })
        return r.rowCount === 1
    }

    async listServerBans(now: number): Promise<ServerBan[]> {
        const r = await this.q(
            {
                name: 'list_server_bans',
                text: 'SELECT user_id, until, reason, created_at FROM user_bans WHERE until > $1 ORDER BY created_at, user_id',
                values: [now],
            },
            true,
        )
        return r.rows.map((b) => ({ userId: b.user_id, until: b.until, reason: b.reason, createdAt: b.created_at }))
    }

    async insertAuditEntry(entry: NewAuditEntry): Promise<number> {
        const r = await this.q({
            name: 'insert_audit',
            text: 'INSERT INTO audit_log (at, action, target, details) VALUES ($1, $2, $3, $4) RETURNING id',
            values: [entry.at, entry.action, entry.target, JSON.stringify(entry.details)],
        })
        return r.rows[0].id
    }

    async listAuditEntries(options: { before?: number; limit: number }): Promise<AuditEntry[]> {
        const r = await this.q(
            {
                name: 'list_audit',
                text: 'SELECT id, at, action, target, details FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT $2',
                values: [options.before ?? Number.MAX_SAFE_INTEGER, options.limit],
            },
            true,
        )
        return r.rows.map((e) => ({
            id: e.id,
            at: e.at,
            action: e.action,
            target: e.target,
            details: JSON.parse(e.details) as Record<string, unknown>,
        }))
    }

    /** One trivial query on a pooled connection, not retried: readiness must answer now, not in 10 s. */
    async ping(): Promise<void> {
        if (this.closed) throw new Error('the store is closed')
        await this.pool.query('SELECT 1')
    }

    async sweep(now: number): Promise<void> {
        await this.commits.settleAll()
        await this.tx(async (c) => {
            for (const [i, text] of sql.sweep.entries()) await c.query({ name: `sweep_${i}`, text, values: [now] })
        })
    }

    async close(): Promise<void> {
        if (this.closed) return
        await this.commits.settleAll()
        this.closed = true
        await this.pool.end()
    }
}

/** The URL without its password, for messages. */
export function describeUrl(url: string): string {
    try {
        const u = new URL(url)
        return `${u.hostname}:${u.port || 5432}${u.pathname}`
    } catch {
        return 'the configured URL'
    }
}
