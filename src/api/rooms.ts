// Rooms: POST /api/rooms (create), GET /api/rooms (search, cursor pages), GET /api/rooms/{name}.
import { Type, type Static } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { t } from '../i18n.js'
import type { RoomFilter } from '../rooms/directory.js'
import { visibleRoom } from './access.js'
import { callerOf } from './auth.js'
import { ApiError, apiErrors, apiUnauthorized } from './errors.js'
import type { ApiServices } from './plugin.js'
import { createBodySchema, createParameters, createRoomNow, type CreateBody } from './room-create.js'
import { RoomDetails, roomDetails, RoomStatusSchema, RoomSummary, roomSummary } from './room-view.js'
import { errorResponses, RoomParams, tokenSecurity } from './schemas.js'

const ListQuery = Type.Object({
    keywords: Type.Optional(Type.String({ maxLength: 200, description: 'Words that must all appear in the title, name or creator name' })),
    status: Type.Optional(RoomStatusSchema),
    free_seats: Type.Optional(Type.Boolean({ description: 'Only rooms with a free seat' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}_[0-9]{1,15}$', description: 'next_cursor of the previous page' })),
})
type ListQuery = Static<typeof ListQuery>

const RoomList = Type.Object({
    rooms: Type.Array(RoomSummary),
    next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Cursor of the next page; null at the end' }),
})

export function roomRoutes(app: FastifyInstance, s: ApiServices): void {
    const CreateBodySchema = createBodySchema(s.config)

    app.post<{ Body: CreateBody }>(
        '/rooms',
        {
            schema: {
                tags: ['rooms'],
                summary: 'Create a room (Sonolus players see and join it like any other)',
                description: 'The caller becomes its creator (master and lead once in the game) and an API member.',
                security: tokenSecurity,
                body: CreateBodySchema,
                response: { 201: RoomDetails, ...errorResponses(400, 401, 403, 409, 429, 503) },
            },
        },
        async (request, reply) => {
            const userId = callerOf(request).userId
            const now = s.now()
            const creator = await s.store.getUser(userId)
            const parsed = createParameters(request.body, s.config, t('en', 'defaultRoomTitle', { name: creator?.name ?? userId }))
            if (!parsed.ok) throw new ApiError(400, `invalid body.${parsed.field}`)
            const created = await createRoomNow(s, userId, request.body.name, parsed.value, now)
            if (!created.ok) {
                const refusals = {
                    nameTaken: () => new ApiError(409, apiErrors.nameTaken),
                    tooManyRooms: () => new ApiError(429, apiErrors.tooManyRooms, 60),
                    roomLimit: () => new ApiError(403, apiErrors.roomLimit),
                    serverFull: () => new ApiError(503, apiErrors.serverFull),
                    passwordChecksBusy: () => new ApiError(429, apiErrors.passwordChecksBusy),
                }
                throw refusals[created.reason]()
            }
            await s.store.upsertRoomMembership({ roomName: created.room.name, userId, joinedAt: now })
            const members = await s.store.listRoomMembers(created.room.name)
            return reply.status(201).send(roomDetails(created.room, await s.live.view(created.room), members))
        },
    )

    app.get<{ Querystring: ListQuery }>(
        '/rooms',
        {
            config: { auth: 'optional' },
            schema: {
                tags: ['rooms'],
                summary: 'Open rooms, newest first (private ones only to who may see them)',
                description: 'Without a token: public rooms only.',
                security: [{ token: [] }, {}],
                querystring: ListQuery,
                response: { 200: RoomList, ...errorResponses(400, 401) },
            },
        },
        async (request) => {
            const q = request.query
            const filter: RoomFilter = {}
            const words = (q.keywords ?? '').split(/\s+/).filter(Boolean).slice(0, 10)
            if (words.length) filter.keywords = words
            if (q.status) filter.status = q.status
            if (q.free_seats) filter.freeSeats = true
            // The directory answers newest first (created_at, then id, both descending); the cursor is
            // the last room of the previous page, so a page starts right after it even as rooms come and go.
            // One more than the page tells whether a next page exists; the store pages by key.
            const [createdAt, id] = q.cursor ? q.cursor.split('_').map(Number) : []
            const after = createdAt !== undefined && id !== undefined ? { createdAt, id } : undefined
            const limit = q.limit ?? 20
            const listed = await s.directory.search(request.caller?.userId ?? null, filter, s.now(), { limit: limit + 1, after })
            const page = listed.slice(0, limit)
            const last = page.at(-1)?.room
            return { rooms: page.map(roomSummary), next_cursor: listed.length > limit && last ? `${last.createdAt}_${last.id}` : null }
        },
    )

    app.get<{ Params: Static<typeof RoomParams> }>(
        '/rooms/:name',
        {
            // Public rooms read without a token (the web page's signed-out watchers); see the handler.
            config: { auth: 'optional' },
            schema: {
                tags: ['rooms'],
                summary: 'A room: status, level, master and lead, players, members, capacity',
                description: 'Without a token: public rooms only (401 for any other).',
                security: [{ token: [] }, {}],
                params: RoomParams,
                response: { 200: RoomDetails, ...errorResponses(400, 401, 404) },
            },
        },
        async (request) => {
            const userId = request.caller?.userId ?? null
            if (userId === null) {
                // Without a token only an open public room is shown; anything else stays 401 as before.
                const room = await s.directory.get(request.params.name)
                if (!room || room.passwordHash !== null) throw apiUnauthorized()
            }
            const room = await visibleRoom(s, request.params.name, userId)
            return roomDetails(room, await s.live.view(room), await s.store.listRoomMembers(room.name))
        },
    )
}
