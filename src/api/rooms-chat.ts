// GET /api/rooms/{name}/chat: a room's stored chat, newest first, cursor-paginated (`before` = the
// smallest id of the previous page). Private rooms only for players who may see them.
import { Type, type Static } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { visibleRoom } from './access.js'
import { callerOf } from './auth.js'
import type { ApiServices } from './plugin.js'

const Params = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) })
const Query = Type.Object({
    before: Type.Optional(Type.Integer({ minimum: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
})

export function roomChatRoute(app: FastifyInstance, s: ApiServices): void {
    app.get<{ Params: Static<typeof Params>; Querystring: Static<typeof Query> }>(
        '/rooms/:name/chat',
        { schema: { params: Params, querystring: Query } },
        async (request) => {
            const userId = callerOf(request).userId
            const room = await visibleRoom(s, request.params.name, userId)
            const limit = request.query.limit ?? 50
            const messages = await s.store.listChatMessages(room.name, { before: request.query.before, limit })
            return {
                room_name: room.name,
                messages: messages.map((m) => ({ id: m.id, user_id: m.userId, type: m.type, value: m.value, at: m.at })),
                next_before: messages.length === limit ? messages[messages.length - 1]!.id : null,
            }
        },
    )
}
