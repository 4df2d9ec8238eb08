// One-shot copy of a SQLite database into an empty PostgreSQL one, keeping every row and id (rooms, chat,
// results, reports, tokens, audit entries keep their numbers, so REST ids and cursors stay valid). The SQLite file is
// first brought to the current schema (as the server would at start); the copy is one transaction, so
// a failure leaves PostgreSQL empty.
import { existsSync } from 'node:fs'
import type pg from 'pg'
import { StoreUnavailableError } from './errors.js'
import { PostgresStore } from './postgres/postgres-store.js'
import { SqliteStore } from './sqlite/sqlite-store.js'

type Table = { name: string; from?: string; select: string; columns: string[]; identity?: boolean }

const bool = (column: string) => `${column} <> 0 AS ${column}`

/** Tables in copy order; `select` reads SQLite, `columns` name the PostgreSQL columns in the same order. */
const tables: Table[] = [
    { name: 'users', select: 'id, handle, name, profile, updated_at', columns: ['id', 'handle', 'name', 'profile', 'updated_at'] },
    { name: 'sessions', select: 'token_hash, user_id, created_at, expires_at', columns: ['token_hash', 'user_id', 'created_at', 'expires_at'] },
    { name: 'nonces', select: 'time, hash, expires_at', columns: ['time', 'hash', 'expires_at'] },
    // Used bodies from before SQLite's migration 2 carry no signed time: kept under time 0 until they expire.
    { name: 'nonces', from: 'nonces_legacy', select: '0 AS time, hash, expires_at', columns: ['time', 'hash', 'expires_at'] },
    {
        name: 'join_sessions',
        select: 'token_hash, room_name, user_id, payload, expires_at',
        columns: ['token_hash', 'room_name', 'user_id', 'payload', 'expires_at'],
    },
    {
        name: 'web_logins',
        select: 'id, secret_hash, session_hash, user_id, created_at, expires_at',
        columns: ['id', 'secret_hash', 'session_hash', 'user_id', 'created_at', 'expires_at'],
    },
    {
        name: 'room_reservations',
        select: 'name, key_hash, creator_id, vals, created_at, expires_at',
        columns: ['name', 'key_hash', 'creator_id', 'vals', 'created_at', 'expires_at'],
    },
    {
        name: 'rooms',
        identity: true,
        select: `id, name, creator_id, title, password_hash, max_players, scoring, teams, ${bool('allow_other_servers')}, option_values,
            node_id, created_at, updated_at, closed_at`,
        columns: [
            'id',
            'name',
            'creator_id',
            'title',
            'password_hash',
            'max_players',
            'scoring',
            'teams',
            'allow_other_servers',
            'option_values',
            'node_id',
            'created_at',
            'updated_at',
            'closed_at',
        ],
    },
    { name: 'room_bans', select: 'room_name, user_id, until', columns: ['room_name', 'user_id', 'until'] },
    { name: 'room_unlocks', select: 'room_name, user_id, until', columns: ['room_name', 'user_id', 'until'] },
    {
        name: 'chat_messages',
        identity: true,
        select: 'id, room_name, user_id, type, value, at',
        columns: ['id', 'room_name', 'user_id', 'type', 'value', 'at'],
    },
    {
        name: 'round_results',
        identity: true,
        select: 'id, room_name, round, user_id, result, at',
        columns: ['id', 'room_name', 'round', 'user_id', 'result', 'at'],
    },
    {
        name: 'reports',
        identity: true,
        select: 'id, room_name, reporter_id, target_id, option_values, at, resolved_at, resolution',
        columns: ['id', 'room_name', 'reporter_id', 'target_id', 'option_values', 'at', 'resolved_at', 'resolution'],
    },
    { name: 'room_memberships', select: 'room_name, user_id, joined_at', columns: ['room_name', 'user_id', 'joined_at'] },
    {
        name: 'api_tokens',
        identity: true,
        select: `id, user_id, name, token_hash, created_at, last_used_at, ${bool('revoked')}`,
        columns: ['id', 'user_id', 'name', 'token_hash', 'created_at', 'last_used_at', 'revoked'],
    },
    { name: 'user_bans', select: 'user_id, until, reason, created_at', columns: ['user_id', 'until', 'reason', 'created_at'] },
    { name: 'audit_log', identity: true, select: 'id, at, action, target, details', columns: ['id', 'at', 'action', 'target', 'details'] },
]

const CHUNK = 500

export class MigrateStoreError extends Error {
    override name = 'MigrateStoreError'
}

/** Copies every row; returns the number of rows per table. Refuses a PostgreSQL database that holds data. */
export async function copySqliteToPostgres(from: string, to: string, options: { schema?: string } = {}): Promise<Record<string, number>> {
    if (!existsSync(from)) throw new MigrateStoreError(`--from: no SQLite file at ${from}`)
    if (!/^postgres(ql)?:\/\//i.test(to)) throw new MigrateStoreError(`--to must be a postgres:// URL, got ${JSON.stringify(to)}`)
    const source = new SqliteStore({ path: from, checkpointThread: false })
    let target: PostgresStore | undefined
    try {
        target = await PostgresStore.open({ url: to, schema: options.schema, poolSize: 1 })
        const client = await target.pool.connect()
        try {
            await client.query('BEGIN')
            for (const t of ['users', 'sessions', 'rooms', 'chat_messages', 'round_results', 'api_tokens', 'user_bans', 'audit_log']) {
                if ((await client.query(`SELECT EXISTS (SELECT 1 FROM ${t}) AS any`)).rows[0].any) {
                    throw new MigrateStoreError(`the PostgreSQL database already holds data (table ${t}); copy into an empty database`)
                }
            }
            const counts: Record<string, number> = {}
            for (const t of tables) counts[t.from ?? t.name] = await copyTable(source, client, t)
            for (const t of tables.filter((t) => t.identity)) {
                // The next id follows the copied ones.
                await client.query(`SELECT setval(pg_get_serial_sequence('${t.name}', 'id'), coalesce(max(id), 0) + 1, false) FROM ${t.name}`)
            }
            await client.query('COMMIT')
            return counts
        } catch (e) {
            await client.query('ROLLBACK').catch(() => {})
            throw e
        } finally {
            client.release()
        }
    } finally {
        await source.close()
        await target?.close()
    }
}

async function copyTable(source: SqliteStore, client: pg.PoolClient, t: Table): Promise<number> {
    const exists = source.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(t.from ?? t.name)
    if (!exists) return 0
    let rows: unknown[][] = []
    let count = 0
    const flush = async () => {
        if (!rows.length) return
        const values: unknown[] = []
        const tuples = rows.map((row) => `(${row.map((v) => (values.push(v), `$${values.length}`)).join(', ')})`)
        await client.query(`INSERT INTO ${t.name} (${t.columns.join(', ')}) VALUES ${tuples.join(', ')}`, values)
        count += rows.length
        rows = []
    }
    const statement = source.db.prepare(`SELECT ${t.select} FROM ${t.from ?? t.name}`).raw(true)
    // Reads all rows of the table first (better-sqlite3 iterators cannot stay open across awaits).
    for (const row of statement.all() as unknown[][]) {
        rows.push(row.map((v, i) => (t.columns[i] === 'allow_other_servers' || t.columns[i] === 'revoked' ? v === 1 : v)))
        if (rows.length >= CHUNK) await flush()
    }
    await flush()
    return count
}

/** `--from <sqlite file> --to <postgres url>`; the exit code (0 done, 1 failed, 2 bad arguments). */
export async function migrateStoreCli(argv: string[], out: (line: string) => void): Promise<number> {
    const args = new Map<string, string>()
    for (let i = 0; i < argv.length; i += 2) {
        const [key, value] = [argv[i]!, argv[i + 1]]
        if ((key !== '--from' && key !== '--to') || value === undefined) {
            out(`usage: npm run migrate-store -- --from <sqlite file> --to <postgres url> (got ${JSON.stringify(argv.join(' '))})`)
            return 2
        }
        args.set(key, value)
    }
    const from = args.get('--from')
    const to = args.get('--to')
    if (!from || !to) {
        out('usage: npm run migrate-store -- --from <sqlite file> --to <postgres url>')
        return 2
    }
    try {
        const counts = await copySqliteToPostgres(from, to)
        out(
            `copied ${Object.entries(counts)
                .map(([t, n]) => `${t} ${n}`)
                .join(', ')}`,
        )
        return 0
    } catch (e) {
        out(`migrate-store: ${(e as Error).message}`)
        return e instanceof MigrateStoreError || e instanceof StoreUnavailableError ? 2 : 1
    }
}
