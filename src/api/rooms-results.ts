// GET /api/rooms/{name}/results: a room's stored round results, newest first.
import { Type, type Static } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { apiNotFound } from './errors.js'
import { apiUser, type ApiServices } from './plugin.js'

const Params = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) })
const Query = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })) })

export function roomResultsRoute(app: FastifyInstance, s: ApiServices): void {
    app.get<{ Params: Static<typeof Params>; Querystring: Static<typeof Query> }>(
        '/rooms/:name/results',
        { schema: { params: Params, querystring: Query } },
        async (request) => {
            const userId = await apiUser(s, request.headers.authorization)
            const room = await s.directory.get(request.params.name)
            if (!room || !(await s.directory.canSee(room, userId, s.now()))) throw apiNotFound()
            const results = await s.store.listRoundResults(room.name, { limit: request.query.limit ?? 100 })
            return {
                room_name: room.name,
                results: results.map((r) => ({ id: r.id, round: r.round, user_id: r.userId, result: r.result, at: r.at })),
            }
        },
    )
}
