// GET /api/rooms/{name}/results: a room's stored round results, newest first.
import { Type, type Static } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { visibleRoom } from './access.js'
import { callerOf } from './auth.js'
import type { ApiServices } from './plugin.js'

const Params = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) })
const Query = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })) })

export function roomResultsRoute(app: FastifyInstance, s: ApiServices): void {
    app.get<{ Params: Static<typeof Params>; Querystring: Static<typeof Query> }>(
        '/rooms/:name/results',
        { schema: { params: Params, querystring: Query } },
        async (request) => {
            const userId = callerOf(request).userId
            const room = await visibleRoom(s, request.params.name, userId)
            const results = await s.store.listRoundResults(room.name, { limit: request.query.limit ?? 100 })
            return {
                room_name: room.name,
                results: results.map((r) => ({ id: r.id, round: r.round, user_id: r.userId, result: r.result, at: r.at })),
            }
        },
    )
}
