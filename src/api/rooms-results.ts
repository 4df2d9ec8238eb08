// GET /api/rooms/{name}/results: a room's stored round results, newest first.
// GET /api/rooms/{name}/scoreboard: the live scoreboard, as the players in the room see it.
import { Type, type Static } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { visibleRoom } from './access.js'
import { callerOf } from './auth.js'
import type { ApiServices } from './plugin.js'
import { errorResponses, RoomParams, tokenSecurity } from './schemas.js'

const Query = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })) })
const Results = Type.Object({
    room_name: Type.String(),
    results: Type.Array(
        Type.Object({
            id: Type.Integer(),
            round: Type.Integer(),
            user_id: Type.String(),
            result: Type.Object({}, { additionalProperties: true, description: 'The GameplayResult the player finished with' }),
            at: Type.Integer(),
        }),
    ),
})
const Scoreboard = Type.Object({
    room_name: Type.String(),
    live: Type.Boolean({ description: 'false: the room is not open in the game right now (no scoreboard)' }),
    description: Type.Union([Type.String(), Type.Null()]),
    sections: Type.Array(
        Type.Object({
            title: Type.String(),
            scores: Type.Array(Type.Object({ user_id: Type.String(), name: Type.Union([Type.String(), Type.Null()]), value: Type.String() })),
        }),
    ),
})

export function roomResultsRoute(app: FastifyInstance, s: ApiServices): void {
    app.get<{ Params: Static<typeof RoomParams>; Querystring: Static<typeof Query> }>(
        '/rooms/:name/results',
        {
            schema: {
                tags: ['rooms'],
                summary: 'Stored round results, newest first',
                security: tokenSecurity,
                params: RoomParams,
                querystring: Query,
                response: { 200: Results, ...errorResponses(400, 401, 404) },
            },
        },
        async (request) => {
            const room = await visibleRoom(s, request.params.name, callerOf(request).userId)
            const results = await s.store.listRoundResults(room.name, { limit: request.query.limit ?? 100 })
            return {
                room_name: room.name,
                results: results.map((r) => ({ id: r.id, round: r.round, user_id: r.userId, result: r.result, at: r.at })),
            }
        },
    )

    app.get<{ Params: Static<typeof RoomParams> }>(
        '/rooms/:name/scoreboard',
        {
            config: { auth: 'optional' },
            schema: {
                tags: ['rooms'],
                summary: "The room's scoreboard now (public rooms need no token)",
                security: [{ token: [] }, {}],
                params: RoomParams,
                response: { 200: Scoreboard, ...errorResponses(400, 401, 404) },
            },
        },
        async (request) => {
            const room = await visibleRoom(s, request.params.name, request.caller?.userId ?? null)
            const live = await s.live.view(room)
            if (!live) return { room_name: room.name, live: false, description: null, sections: [] }
            return { room_name: room.name, live: true, ...live.scoreboard }
        },
    )
}
