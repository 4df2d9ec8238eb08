// A room's chat through the API. GET /api/rooms/{name}/chat: the stored chat, newest first,
// cursor-paginated (`before` = the smallest id of the previous page). POST: members write into the room's
// Sonolus chat live (chat-post.ts), with the in-game length and rate limits.
import { Type, type Static } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { defaultLimits } from '../multiplayer/index.js'
import { isRoomMember, visibleRoom } from './access.js'
import { callerOf } from './auth.js'
import { chatPoster } from './chat-post.js'
import { ApiError, apiErrors } from './errors.js'
import type { ApiServices } from './plugin.js'
import { errorResponses, RoomParams, RowId, tokenSecurity } from './schemas.js'

const Query = Type.Object({
    before: Type.Optional(RowId()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
})
const ChatLine = Type.Object({
    id: Type.Integer(),
    user_id: Type.Union([Type.String(), Type.Null()], { description: 'null: a system line' }),
    type: Type.String({ description: 'text or quick' }),
    value: Type.String(),
    at: Type.Integer(),
})
const History = Type.Object({
    room_name: Type.String(),
    messages: Type.Array(ChatLine),
    next_before: Type.Union([Type.Integer(), Type.Null()], { description: 'Cursor of the next (older) page; null at the end' }),
})
const PostBody = Type.Object({ text: Type.String({ maxLength: 1000, description: 'At most 200 characters, as in the game' }) })
const Posted = Type.Object({
    room_name: Type.String(),
    message: Type.Object({
        user_id: Type.Union([Type.String(), Type.Null()], { description: 'The author when in the game; else null and value reads "name: text"' }),
        type: Type.Literal('text'),
        value: Type.String(),
    }),
    at: Type.Integer(),
    delivered: Type.Boolean({ description: 'Sent live to players in the room (false: nobody is in the game; stored only)' }),
})

export function roomChatRoute(app: FastifyInstance, s: ApiServices): void {
    const post = chatPoster(s)

    app.get<{ Params: Static<typeof RoomParams>; Querystring: Static<typeof Query> }>(
        '/rooms/:name/chat',
        {
            schema: {
                tags: ['rooms'],
                summary: 'Chat history, newest first',
                security: tokenSecurity,
                params: RoomParams,
                querystring: Query,
                response: { 200: History, ...errorResponses(400, 401, 404) },
            },
        },
        async (request) => {
            const room = await visibleRoom(s, request.params.name, callerOf(request).userId)
            const limit = request.query.limit ?? 50
            const messages = await s.store.listChatMessages(room.name, { before: request.query.before, limit })
            return {
                room_name: room.name,
                messages: messages.map((m) => ({ id: m.id, user_id: m.userId, type: m.type, value: m.value, at: m.at })),
                next_before: messages.length === limit ? messages[messages.length - 1]!.id : null,
            }
        },
    )

    app.post<{ Params: Static<typeof RoomParams>; Body: Static<typeof PostBody> }>(
        '/rooms/:name/chat',
        {
            schema: {
                tags: ['rooms'],
                summary: "Post into the room's Sonolus chat (members only)",
                description:
                    'Members are API members (join_room) and players in the room. A player in the game writes as themselves; ' +
                    'anyone else appears as a system line "name: text". Same length and rate limits as in-game chat.',
                security: tokenSecurity,
                params: RoomParams,
                body: PostBody,
                response: { 201: Posted, ...errorResponses(400, 401, 403, 404, 409, 429) },
            },
        },
        async (request, reply) => {
            const userId = callerOf(request).userId
            const room = await visibleRoom(s, request.params.name, userId)
            // Not a member this node knows of: still one if the room's node has them in the game (with several
            // nodes, this node's directory learns of a join a few milliseconds after it).
            const playersOnly = !(await isRoomMember(s, room, userId))
            if (room.closedAt !== null) throw playersOnly ? new ApiError(403, apiErrors.notMember) : new ApiError(409, apiErrors.roomClosed)
            const user = await s.store.getUser(userId)
            const result = await post(room, { userId, name: user?.name ?? userId }, request.body.text, playersOnly)
            if (!result.ok) {
                switch (result.reason) {
                    case 'empty':
                        throw new ApiError(400, 'invalid body.text: empty')
                    case 'tooLong':
                        throw new ApiError(400, `invalid body.text: too long (${defaultLimits.chatMaxLength} characters at most)`)
                    case 'tooFast':
                        throw new ApiError(429, apiErrors.tooManyMessages, Math.ceil(result.retryAfterMs / 1000))
                    case 'closed':
                        throw new ApiError(409, apiErrors.roomClosed)
                    case 'notMember':
                        throw new ApiError(403, apiErrors.notMember)
                    case 'failed':
                        throw new Error('chat delivery failed')
                }
            }
            const { message } = result
            return reply.status(201).send({
                room_name: room.name,
                message: { user_id: message.userId, type: 'text', value: message.value as string },
                at: result.at!,
                delivered: result.delivered!,
            })
        },
    )
}
