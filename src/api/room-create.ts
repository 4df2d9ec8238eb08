// POST /api/rooms makes a room the same way the app does (a reservation claimed with its key, through
// the directory), so Sonolus players see and join it like any other. The create parameters are read by
// the same parser as the app's create form; the request schema is built from the same limits.
import { Type } from '@sinclair/typebox'
import type { Config } from '../config.js'
import { scoringRules, teamChoices } from '../multiplayer/index.js'
import { parseCreateParameters, passwordMaxLength, titleMaxLength, type CreateParameters } from '../rooms/create-parameters.js'
import type { RoomCapReason } from '../rooms/directory.js'
import type { RoomRecord } from '../store/store.js'
import type { ApiServices } from './plugin.js'

/** Chosen names: what a URL path and a friend reading it out can both carry. */
export const roomNamePattern = '^[a-z0-9][a-z0-9_-]{2,31}$'

/** JSON field → create-form parameter (rooms/create-parameters.ts `createQuery`). */
const fieldOf: Record<string, string> = {
    title: 'title',
    password: 'password',
    maxPlayers: 'max_players',
    scoring: 'scoring',
    teams: 'teams',
    allowOtherServers: 'allow_other_servers',
}

const teamCounts = teamChoices.map((c) => (c === 'none' ? 0 : Number(c)))

export function createBodySchema(config: Pick<Config, 'maxPlayersLimit' | 'defaultMaxPlayers'>) {
    return Type.Object({
        name: Type.Optional(Type.String({ pattern: roomNamePattern, description: 'Room name; generated when absent' })),
        title: Type.Optional(Type.String({ maxLength: titleMaxLength * 2, description: `At most ${titleMaxLength} characters` })),
        password: Type.Optional(Type.String({ maxLength: passwordMaxLength * 2, description: 'Empty or absent: a public room' })),
        max_players: Type.Optional(Type.Integer({ minimum: 2, maximum: config.maxPlayersLimit, default: config.defaultMaxPlayers })),
        scoring: Type.Optional(Type.Union(scoringRules.map((r) => Type.Literal(r)))),
        teams: Type.Optional(
            Type.Union(
                teamCounts.map((n) => Type.Literal(n)),
                { description: '0: no teams' },
            ),
        ),
        allow_other_servers: Type.Optional(Type.Boolean({ default: true })),
    })
}

export type CreateBody = {
    name?: string
    title?: string
    password?: string
    max_players?: number
    scoring?: string
    teams?: number
    allow_other_servers?: boolean
}

/** The body as the create form's query, parsed by its parser; a refusal names the JSON field. */
export function createParameters(
    body: CreateBody,
    config: Pick<Config, 'maxPlayersLimit' | 'defaultMaxPlayers'>,
    defaultTitle: string,
): { ok: true; value: CreateParameters } | { ok: false; field: string } {
    const query: Record<string, string> = {}
    if (body.title !== undefined) query.title = body.title
    if (body.password !== undefined) query.password = body.password
    if (body.max_players !== undefined) query.maxPlayers = String(body.max_players)
    if (body.scoring !== undefined) query.scoring = body.scoring
    if (body.teams !== undefined) query.teams = body.teams === 0 ? 'none' : String(body.teams)
    if (body.allow_other_servers !== undefined) query.allowOtherServers = String(body.allow_other_servers)
    const parsed = parseCreateParameters(query, config, defaultTitle)
    return parsed.ok ? parsed : { ok: false, field: fieldOf[parsed.parameter] ?? parsed.parameter }
}

export type CreateOutcome =
    { ok: true; room: RoomRecord } | { ok: false; reason: 'nameTaken' | 'tooManyRooms' | RoomCapReason | 'passwordChecksBusy' }

/**
 * Reserves the name (chosen or generated) and claims it at once with its key, as the app's creator
 * would on joining: the same per-minute limit and caps on open rooms as the app.
 */
export async function createRoomNow(
    s: ApiServices,
    creatorId: string,
    name: string | undefined,
    parameters: CreateParameters,
    now: number,
): Promise<CreateOutcome> {
    const reservation = await s.directory.reserve(creatorId, '', now, name)
    if (!reservation.ok) return reservation
    const admitted = await s.directory.admit({ name: reservation.name, userId: creatorId, now, creation: { key: reservation.key, parameters } })
    if (!admitted.ok) {
        const reason = admitted.reason
        return reason === 'roomLimit' || reason === 'serverFull' || reason === 'passwordChecksBusy'
            ? { ok: false, reason }
            : { ok: false, reason: 'nameTaken' }
    }
    if (!admitted.created) return { ok: false, reason: 'nameTaken' }
    return { ok: true, room: admitted.room }
}
