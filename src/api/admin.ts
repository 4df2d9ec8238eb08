// The moderation API under /api/admin, for the people who run the server. Every route needs
// `Authorization: Bearer <ENSEMBLE_ADMIN_TOKEN>`: 403 while no admin token is configured (moderation is
// off), 401 for a missing or wrong token. Every action is written to the audit log (moderation.ts).
import { Type, type Static } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { parseDuration } from '../config.js'
import type { Moderation } from '../moderation/moderation.js'
import { bearerMatches } from '../ops/metrics-route.js'
import type { ServerBan, StoredChatMessage, StoredReport } from '../store/store.js'
import { ApiError, apiNotFound } from './errors.js'
import { errorResponses, RoomParams, RowId } from './schemas.js'

export type AdminServices = { adminToken: string | null; moderation: Moderation }

const security = [{ admin: [] }]
const Reason = Type.Optional(Type.String({ maxLength: 500, description: 'Why; kept in the audit log.' }))
const UserId = Type.String({ minLength: 1, maxLength: 128, description: 'Sonolus user id' })

const ChatLine = Type.Object({
    id: Type.Integer(),
    room_name: Type.String(),
    user_id: Type.Union([Type.String(), Type.Null()]),
    type: Type.String(),
    value: Type.String(),
    at: Type.Integer({ description: 'Unix ms' }),
})
const Report = Type.Object({
    id: Type.Integer(),
    room_name: Type.String(),
    reporter_id: Type.String(),
    target_id: Type.String(),
    option_values: Type.String({ description: 'What the reporter chose in the report form (query string)' }),
    at: Type.Integer(),
    resolved_at: Type.Union([Type.Integer(), Type.Null()]),
    resolution: Type.Union([Type.String(), Type.Null()]),
})
const ReportWithContext = Type.Intersect([
    Report,
    Type.Object({
        context: Type.Array(ChatLine, { description: "The reported player's last chat lines in that room around the report, newest first" }),
    }),
])
const Ban = Type.Object({ user_id: Type.String(), until: Type.Integer(), reason: Type.String(), created_at: Type.Integer() })
const AuditItem = Type.Object({
    id: Type.Integer(),
    at: Type.Integer(),
    action: Type.String(),
    target: Type.String(),
    details: Type.Object({}, { additionalProperties: true }),
})

const chatLine = (m: StoredChatMessage) => ({ id: m.id, room_name: m.roomName, user_id: m.userId, type: m.type, value: m.value, at: m.at })
const report = (r: StoredReport) => ({
    id: r.id,
    room_name: r.roomName,
    reporter_id: r.reporterId,
    target_id: r.targetId,
    option_values: r.optionValues,
    at: r.at,
    resolved_at: r.resolvedAt,
    resolution: r.resolution,
})
const ban = (b: ServerBan) => ({ user_id: b.userId, until: b.until, reason: b.reason, created_at: b.createdAt })

/** Longest server-wide ban one request may set (longer: ban again). */
const maxBanMs = 10 * 365 * 24 * 60 * 60 * 1000

const ReportsQuery = Type.Object({
    status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('all')], { default: 'open' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
})
const IdParams = Type.Object({ id: RowId() })
const ResolveBody = Type.Object({ note: Reason })
const ReasonBody = Type.Object({ reason: Reason })
const KickBody = Type.Object({ user_id: UserId, reason: Reason })
const BanBody = Type.Object({
    user_id: UserId,
    duration: Type.String({ maxLength: 32, description: 'How long: 30m, 12h, 7d (at most 10 years)' }),
    reason: Reason,
})
const UserParams = Type.Object({ user_id: UserId })
const ReasonQuery = Type.Object({ reason: Reason })
const AuditQuery = Type.Object({
    before: Type.Optional(RowId({ description: 'Only entries with a smaller id (paging)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
})

export async function adminRoutes(parent: FastifyInstance, s: AdminServices): Promise<void> {
    await parent.register(async (app) => {
        app.addHook('onRequest', async (request) => {
            if (request.is404) return
            if (s.adminToken === null) throw new ApiError(403, 'moderation is disabled: ENSEMBLE_ADMIN_TOKEN is not set')
            if (!bearerMatches(request.headers.authorization, s.adminToken)) throw new ApiError(401, 'unauthorized')
        })
        const m = s.moderation
        // The API's own sign-in hook leaves these routes alone; the hook above is their only check.
        const config = { auth: 'none' as const }
        const refusals = errorResponses(400, 401, 403)

        app.get<{ Querystring: Static<typeof ReportsQuery> }>(
            '/admin/reports',
            {
                config,
                schema: {
                    tags: ['admin'],
                    summary: "Reports, newest first (open ones by default), each with the reported player's chat in that room",
                    security,
                    querystring: ReportsQuery,
                    response: { 200: Type.Object({ reports: Type.Array(ReportWithContext) }), ...refusals },
                },
            },
            async (request) => {
                const list = await m.reports({ open: (request.query.status ?? 'open') === 'open', limit: request.query.limit ?? 50 })
                return { reports: list.map((r) => ({ ...report(r), context: r.context.map(chatLine) })) }
            },
        )

        app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof ResolveBody> }>(
            '/admin/reports/:id/resolve',
            {
                config,
                schema: {
                    tags: ['admin'],
                    summary: 'Resolve an open report',
                    security,
                    params: IdParams,
                    body: ResolveBody,
                    response: { 200: Report, ...errorResponses(400, 401, 403, 404) },
                },
            },
            async (request) => {
                const resolved = await m.resolveReport(request.params.id, request.body.note ?? '')
                if (!resolved) throw apiNotFound('no open report with this id')
                return report(resolved)
            },
        )

        app.post<{ Params: Static<typeof RoomParams>; Body: Static<typeof ReasonBody> }>(
            '/admin/rooms/:name/close',
            {
                config,
                schema: {
                    tags: ['admin'],
                    summary: 'Close a room: its players are told in chat and disconnected (close code 4005)',
                    security,
                    params: RoomParams,
                    body: ReasonBody,
                    response: { 200: Type.Object({ closed: Type.String() }), ...errorResponses(400, 401, 403, 404) },
                },
            },
            async (request) => {
                if (!(await m.closeRoom(request.params.name, request.body.reason ?? ''))) throw apiNotFound()
                return { closed: request.params.name }
            },
        )

        app.post<{ Params: Static<typeof RoomParams>; Body: Static<typeof KickBody> }>(
            '/admin/rooms/:name/kick',
            {
                config,
                schema: {
                    tags: ['admin'],
                    summary: 'Kick a player from a room (disconnected with 4001; kept out for ENSEMBLE_KICK_BAN)',
                    security,
                    params: RoomParams,
                    body: KickBody,
                    response: {
                        200: Type.Object({ room_name: Type.String(), user_id: Type.String(), connected: Type.Boolean() }),
                        ...errorResponses(400, 401, 403, 404),
                    },
                },
            },
            async (request) => {
                const kicked = await m.kick(request.params.name, request.body.user_id, request.body.reason ?? '')
                if (!kicked) throw apiNotFound()
                return { room_name: request.params.name, user_id: request.body.user_id, connected: kicked.connected }
            },
        )

        app.get(
            '/admin/bans',
            {
                config,
                schema: {
                    tags: ['admin'],
                    summary: 'Server-wide bans still running',
                    security,
                    response: { 200: Type.Object({ bans: Type.Array(Ban) }), ...refusals },
                },
            },
            async () => ({ bans: m.bans().map(ban) }),
        )

        app.post<{ Body: Static<typeof BanBody> }>(
            '/admin/bans',
            {
                config,
                schema: {
                    tags: ['admin'],
                    summary: 'Ban a player server-wide for a duration: refused at sign-in, join and WebSocket; removed from live rooms now',
                    security,
                    body: BanBody,
                    response: {
                        201: Type.Object({
                            ban: Ban,
                            rooms: Type.Array(Type.String(), { description: 'The live rooms the player was removed from now' }),
                            everywhere: Type.Boolean({
                                description:
                                    'false when some node could not be told now (Redis unreachable, or a node did not answer): it removes the player at its next reload of the bans, within a minute',
                            }),
                        }),
                        ...refusals,
                    },
                },
            },
            async (request, reply) => {
                const ms = parseDuration(request.body.duration)
                if (ms === undefined || ms < 1000 || ms > maxBanMs)
                    throw new ApiError(400, 'invalid body.duration: a duration such as 30m, 12h or 7d, at most 10 years')
                const result = await m.ban(request.body.user_id, ms, request.body.reason ?? '')
                return reply.status(201).send({ ban: ban(result.ban), rooms: result.rooms, everywhere: result.everywhere })
            },
        )

        app.delete<{ Params: Static<typeof UserParams> }>(
            '/admin/bans/:user_id',
            {
                config,
                schema: {
                    tags: ['admin'],
                    summary: 'Lift a server-wide ban',
                    security,
                    params: UserParams,
                    response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) },
                },
            },
            async (request, reply) => {
                if (!(await m.unban(request.params.user_id))) throw apiNotFound('no ban for this user')
                return reply.status(204).send()
            },
        )

        app.delete<{ Params: Static<typeof IdParams>; Querystring: Static<typeof ReasonQuery> }>(
            '/admin/chat/:id',
            {
                config,
                schema: {
                    tags: ['admin'],
                    summary: "Delete a chat line: gone from the room's history and from its event feed's replay",
                    security,
                    params: IdParams,
                    querystring: ReasonQuery,
                    response: { 200: ChatLine, ...errorResponses(400, 401, 403, 404) },
                },
            },
            async (request) => {
                const deleted = await m.deleteChat(request.params.id, request.query.reason ?? '')
                if (!deleted) throw apiNotFound('no chat message with this id')
                return chatLine(deleted)
            },
        )

        app.get<{ Querystring: Static<typeof AuditQuery> }>(
            '/admin/audit',
            {
                config,
                schema: {
                    tags: ['admin'],
                    summary: 'The audit log of moderation actions, newest first',
                    security,
                    querystring: AuditQuery,
                    response: { 200: Type.Object({ entries: Type.Array(AuditItem) }), ...refusals },
                },
            },
            async (request) => ({ entries: await m.auditLog({ before: request.query.before, limit: request.query.limit ?? 100 }) }),
        )
    })
}
