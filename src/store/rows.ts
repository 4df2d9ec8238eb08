// What both SQL stores share: the tables' column lists and how a row becomes a record. SQLite hands
// booleans back as 0/1 and PostgreSQL as true/false, hence Boolean() where a flag is read.
import type { ApiTokenRecord, ReservationRecord, RoomPatch, RoomRecord, ScoringRule, StoredChatMessage, StoredReport } from './store.js'

export type RoomRow = {
    id: number
    name: string
    creator_id: string
    creator_name: string | null
    title: string
    password_hash: string | null
    max_players: number
    scoring: string
    teams: number
    allow_other_servers: number | boolean
    option_values: string
    node_id: string | null
    created_at: number
    updated_at: number
    closed_at: number | null
}

export const roomColumns = `r.id, r.name, r.creator_id, u.name AS creator_name, r.title, r.password_hash, r.max_players, r.scoring,
    r.teams, r.allow_other_servers, r.option_values, r.node_id, r.created_at, r.updated_at, r.closed_at`
export const roomFrom = 'FROM rooms r LEFT JOIN users u ON u.id = r.creator_id'

export const toRoom = (row: RoomRow): RoomRecord => ({
    id: row.id,
    name: row.name,
    creatorId: row.creator_id,
    creatorName: row.creator_name,
    title: row.title,
    passwordHash: row.password_hash,
    maxPlayers: row.max_players,
    scoring: row.scoring as ScoringRule,
    teams: row.teams,
    allowOtherServers: Boolean(row.allow_other_servers),
    optionValues: row.option_values,
    nodeId: row.node_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    closedAt: row.closed_at,
})

/** The column of each field a RoomPatch may change. */
export const patchColumns: Record<keyof RoomPatch, string> = {
    title: 'title',
    passwordHash: 'password_hash',
    maxPlayers: 'max_players',
    scoring: 'scoring',
    teams: 'teams',
    allowOtherServers: 'allow_other_servers',
    optionValues: 'option_values',
    closedAt: 'closed_at',
}

export type ApiTokenRow = {
    id: number
    user_id: string
    name: string
    token_hash: string
    created_at: number
    last_used_at: number | null
    revoked: number | boolean
}

export const apiTokenColumns = 'id, user_id, name, token_hash, created_at, last_used_at, revoked'

export const toApiToken = (row: ApiTokenRow): ApiTokenRecord => ({
    id: row.id,
    userId: row.user_id,
    name: row.name,
    tokenHash: row.token_hash,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revoked: Boolean(row.revoked),
})

export type ReportRow = {
    id: number
    room_name: string
    reporter_id: string
    target_id: string
    option_values: string
    at: number
    resolved_at: number | null
    resolution: string | null
}

export const reportColumns = 'id, room_name, reporter_id, target_id, option_values, at, resolved_at, resolution'

export const toReport = (r: ReportRow): StoredReport => ({
    id: r.id,
    roomName: r.room_name,
    reporterId: r.reporter_id,
    targetId: r.target_id,
    optionValues: r.option_values,
    at: r.at,
    resolvedAt: r.resolved_at,
    resolution: r.resolution,
})

export type ChatRow = { id: number; room_name: string; user_id: string | null; type: 'text' | 'quick'; value: string; at: number }

export const chatColumns = 'id, room_name, user_id, type, value, at'

export const toChat = (r: ChatRow): StoredChatMessage => ({
    id: r.id,
    roomName: r.room_name,
    userId: r.user_id,
    type: r.type,
    value: r.value,
    at: r.at,
})

/** A LIKE pattern matching `text` anywhere, with its wildcards escaped (ESCAPE '\'). */
export type ReservationRow = { name: string; key_hash: string; creator_id: string; vals: string; created_at: number; expires_at: number }

export const reservationColumns = 'name, key_hash, creator_id, vals, created_at, expires_at'

export const toReservation = (row: ReservationRow): ReservationRecord => ({
    name: row.name,
    keyHash: row.key_hash,
    creatorId: row.creator_id,
    values: row.vals,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
})

export const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => '\\' + c)}%`
