// Versioned schema of the SQLite store. Append only: a released migration is never edited; a change is a
// new entry. Applied in order inside a transaction each, recorded in schema_migrations.
import type { Database } from 'better-sqlite3'

export type Migration = { version: number; name: string; sql: string }

export const migrations: readonly Migration[] = [
    {
        version: 1,
        name: 'users, sessions, nonces, join sessions, rooms, reservations, bans, unlocks, chat, results, reports',
        sql: `
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    handle TEXT NOT NULL,
    name TEXT NOT NULL,
    profile TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE nonces (
    hash TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
CREATE INDEX nonces_expires_at ON nonces (expires_at);

CREATE TABLE join_sessions (
    token_hash TEXT PRIMARY KEY,
    room_name TEXT NOT NULL,
    user_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX join_sessions_expires_at ON join_sessions (expires_at);

CREATE TABLE room_reservations (
    name TEXT PRIMARY KEY,
    key_hash TEXT NOT NULL,
    creator_id TEXT NOT NULL,
    vals TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX room_reservations_expires_at ON room_reservations (expires_at);

CREATE TABLE rooms (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    creator_id TEXT NOT NULL,
    title TEXT NOT NULL,
    password_hash TEXT,
    max_players INTEGER NOT NULL,
    scoring TEXT NOT NULL,
    teams INTEGER NOT NULL,
    allow_other_servers INTEGER NOT NULL,
    option_values TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    closed_at INTEGER
);
CREATE INDEX rooms_open ON rooms (closed_at, created_at);
CREATE INDEX rooms_creator_id ON rooms (creator_id);

CREATE TABLE room_bans (
    room_name TEXT NOT NULL,
    user_id TEXT NOT NULL,
    until INTEGER NOT NULL,
    PRIMARY KEY (room_name, user_id)
);

CREATE TABLE room_unlocks (
    room_name TEXT NOT NULL,
    user_id TEXT NOT NULL,
    until INTEGER NOT NULL,
    PRIMARY KEY (room_name, user_id)
);
CREATE INDEX room_unlocks_user_id ON room_unlocks (user_id);

CREATE TABLE chat_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room_name TEXT NOT NULL,
    user_id TEXT,
    type TEXT NOT NULL,
    value TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX chat_messages_room ON chat_messages (room_name, id);

CREATE TABLE round_results (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room_name TEXT NOT NULL,
    round INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    result TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX round_results_room ON round_results (room_name, id);

CREATE TABLE reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room_name TEXT NOT NULL,
    reporter_id TEXT NOT NULL,
    target_id TEXT NOT NULL,
    option_values TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX reports_room ON reports (room_name, id);
`,
    },
    {
        version: 2,
        name: 'cheaper sign-in writes: nonces in time order, sessions and join sessions keyed by token hash alone, no index of sessions by user',
        // Each sign-in and join wrote to a random B-tree page per index keyed by a hash, and a commit
        // costs about one WAL frame per page written.
        // - nonces are keyed by (signed time, body hash): new ones land on the last pages. The table of
        //   version 1, keyed by the hash alone, stays as nonces_legacy until sweep has emptied it (its
        //   rows still refuse replays meanwhile).
        // - sessions and join sessions become WITHOUT ROWID tables keyed by the token hash, which starts
        //   with the token's creation time (auth/tokens.ts): one B-tree written in order instead of a rowid
        //   table plus an index on a random key.
        // - no query reads sessions by user; a later feature that needs to (sign out everywhere) adds the
        //   index back.
        sql: `
ALTER TABLE nonces RENAME TO nonces_legacy;
CREATE TABLE nonces (
    time REAL NOT NULL,
    hash TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (time, hash)
) WITHOUT ROWID;
CREATE INDEX nonces_by_expiry ON nonces (expires_at);

CREATE TABLE sessions_v2 (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO sessions_v2 SELECT token_hash, user_id, created_at, expires_at FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions_v2 RENAME TO sessions;
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE join_sessions_v2 (
    token_hash TEXT PRIMARY KEY,
    room_name TEXT NOT NULL,
    user_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO join_sessions_v2 SELECT token_hash, room_name, user_id, payload, expires_at FROM join_sessions;
DROP TABLE join_sessions;
ALTER TABLE join_sessions_v2 RENAME TO join_sessions;
CREATE INDEX join_sessions_expires_at ON join_sessions (expires_at);
`,
    },
    {
        version: 3,
        name: 'REST API: room memberships and API tokens',
        // - room_memberships: who joined a room through the API (POST /api/join_room) and when; a repeat
        //   join moves joined_at. Keyed by room then user (member lists), indexed by user (their rooms).
        // - api_tokens: long-lived tokens a signed-in user makes for a bot. Only the hash is stored; a
        //   revoked token keeps its row (revoked = 1) so the owner's list and logs can still name it.
        sql: `
CREATE TABLE room_memberships (
    room_name TEXT NOT NULL,
    user_id TEXT NOT NULL,
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (room_name, user_id)
) WITHOUT ROWID;
CREATE INDEX room_memberships_user_id ON room_memberships (user_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX api_tokens_user_id ON api_tokens (user_id, id);
`,
    },
    {
        version: 4,
        name: 'room caps: open rooms by creator, live reservations by creator, a counter of open rooms',
        // Room creation checks ENSEMBLE_MAX_ROOMS_PER_PLAYER and ENSEMBLE_MAX_ROOMS without reading every room:
        // - rooms_open_by_creator holds open rooms only (rooms_creator_id also holds every closed room a
        //   player ever made), so counting a creator's open rooms reads a handful of entries;
        // - reservations are counted per creator among the live ones;
        // - room_totals.open_rooms counts open rooms, kept by triggers in the writes that open and close
        //   them (same transaction), so the server-wide check reads one row.
        sql: `
CREATE INDEX rooms_open_by_creator ON rooms (creator_id) WHERE closed_at IS NULL;
CREATE INDEX room_reservations_by_creator ON room_reservations (creator_id, expires_at);

CREATE TABLE room_totals (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    open_rooms INTEGER NOT NULL
);
INSERT INTO room_totals (id, open_rooms) SELECT 1, count(*) FROM rooms WHERE closed_at IS NULL;
CREATE TRIGGER rooms_total_insert AFTER INSERT ON rooms WHEN NEW.closed_at IS NULL
BEGIN UPDATE room_totals SET open_rooms = open_rooms + 1 WHERE id = 1; END;
CREATE TRIGGER rooms_total_delete AFTER DELETE ON rooms WHEN OLD.closed_at IS NULL
BEGIN UPDATE room_totals SET open_rooms = open_rooms - 1 WHERE id = 1; END;
CREATE TRIGGER rooms_total_close AFTER UPDATE OF closed_at ON rooms WHEN OLD.closed_at IS NULL AND NEW.closed_at IS NOT NULL
BEGIN UPDATE room_totals SET open_rooms = open_rooms - 1 WHERE id = 1; END;
CREATE TRIGGER rooms_total_reopen AFTER UPDATE OF closed_at ON rooms WHEN OLD.closed_at IS NOT NULL AND NEW.closed_at IS NULL
BEGIN UPDATE room_totals SET open_rooms = open_rooms + 1 WHERE id = 1; END;
`,
    },
    {
        version: 5,
        name: 'moderation: resolved reports, server-wide bans, the audit log',
        // - reports gain resolved_at/resolution; open reports (resolved_at NULL) have their own index, so
        //   the moderators' queue reads only what is left to do.
        // - user_bans: server-wide bans (sign-in, join, WebSocket), one row per user, until a time.
        // - audit_log: every moderation action, append-only; details is JSON.
        // - chat by room and user: a report's context (what the reported player wrote in that room).
        sql: `
ALTER TABLE reports ADD COLUMN resolved_at INTEGER;
ALTER TABLE reports ADD COLUMN resolution TEXT;
CREATE INDEX reports_open ON reports (id) WHERE resolved_at IS NULL;

CREATE TABLE user_bans (
    user_id TEXT PRIMARY KEY,
    until INTEGER NOT NULL,
    reason TEXT NOT NULL,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    details TEXT NOT NULL
);

CREATE INDEX chat_messages_room_user ON chat_messages (room_name, user_id, id);
`,
    },
    {
        version: 6,
        name: 'rooms remember their node: node_id, open rooms by node',
        // - node_id: the node hosting the room (several nodes on one database); NULL for rooms from
        //   before, which no live node claims.
        // - rooms_open_by_node: the dead-node sweep (closeRoomsOfDeadNodes) reads open rooms only, by
        //   node and age, from the index alone.
        sql: `
ALTER TABLE rooms ADD COLUMN node_id TEXT;
CREATE INDEX rooms_open_by_node ON rooms (node_id, created_at) WHERE closed_at IS NULL;
`,
    },
    {
        version: 7,
        name: 'fewer pages per sign-in and join: no expiry indexes on nonces and join sessions, join sessions in a rowid table',
        // A commit costs about one WAL frame (a page written) per B-tree page it touches; a join took ~17.
        // - nonces and join sessions are kept in the order they were made, and every row of a table lives
        //   as long (one configured window, one TTL): the expired rows are the first ones, and sweep walks
        //   from the start of the table to the first live row instead of keeping an index by expiry that
        //   every sign-in and join wrote (a page each, twice for a join session: insert and delete).
        // - a join session (~1 KB of signed body and more) did not fit in a page of the WITHOUT ROWID
        //   table (at most ~1,000 bytes a row there), so each went to an overflow page, which insert and
        //   delete wrote with the database header: 3 pages each. In a rowid table (rows up to ~4 KB stay
        //   in the page) it is the row and its token's index entry: 2 each. Rowids follow insertion.
        // Measured on the store alone: a join's two commits wrote 17.2 pages, now ~12.
        sql: `
DROP INDEX nonces_by_expiry;

CREATE TABLE join_sessions_v3 (
    token_hash TEXT NOT NULL UNIQUE,
    room_name TEXT NOT NULL,
    user_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
INSERT INTO join_sessions_v3 (token_hash, room_name, user_id, payload, expires_at)
    SELECT token_hash, room_name, user_id, payload, expires_at FROM join_sessions ORDER BY expires_at;
DROP TABLE join_sessions;
ALTER TABLE join_sessions_v3 RENAME TO join_sessions;
`,
    },
    {
        version: 8,
        name: 'fewer pages per sign-in: no expiry index on sessions',
        // Every sign-in wrote a page of sessions_expires_at besides the session's own: a third of the
        // pages of a busy sign-in commit (9.8 WAL frames a commit of 10 sign-ins, 6.5 without it).
        // - A session's key starts with its creation time (auth/tokens.ts), and a Sonolus session lives at
        //   most 30 minutes (config maxSessionTtlMs): every key made before now - 30 min sorts before that
        //   time's prefix, so the sweep deletes expired rows in that range of the primary key. Web sessions
        //   live longer (7 days by default): they are in the range too and stay until they expire.
        // - Rows from before migration 2 have no time prefix and would sort outside any such range: they
        //   are deleted here (their holders sign in again).
        sql: `
DROP INDEX sessions_expires_at;
DELETE FROM sessions WHERE substr(token_hash, 10, 1) <> '.';
`,
    },
    {
        version: 9,
        name: 'web sign-ins with Sonolus in the database',
        // They lived in one process's memory: with several nodes the app's signed POST and the browser's
        // pickup could reach a node that did not know them. Few and short-lived (minutes): no index but
        // the key; the sweep and the cap read the whole table.
        sql: `
CREATE TABLE web_logins (
    id TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL,
    session_hash TEXT NOT NULL,
    user_id TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
`,
    },
]

/** Applies the migrations the database has not seen yet, stamped `now`; returns the versions applied. */
export function migrate(db: Database, now: number, list: readonly Migration[] = migrations): number[] {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        applied_at INTEGER NOT NULL
    )`)
    const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version))
    const newest = Math.max(0, ...applied)
    const known = Math.max(0, ...list.map((m) => m.version))
    if (newest > known) {
        throw new Error(`The database schema (version ${newest}) is newer than this Ensemble (version ${known}); upgrade Ensemble.`)
    }
    const done: number[] = []
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
    for (const m of [...list].sort((a, b) => a.version - b.version)) {
        if (applied.has(m.version)) continue
        db.transaction(() => {
            db.exec(m.sql)
            record.run(m.version, m.name, now)
        })()
        done.push(m.version)
    }
    return done
}
