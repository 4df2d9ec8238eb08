// POST /api/join_room and POST /api/leave_room (their request and answer texts are a fixed contract).
// Joining makes the caller an API member of the room (user, room, joined_at; a repeat join moves
// joined_at). A private room needs its password unless the caller may already see it (creator, player in
// it, unlocked in the app or earlier through the API, or already a member); a right password unlocks it
// in the app too. Members hold no seat: capacity counts the players in the game (README, REST API).
import { Type, type Static } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { mayAccess } from './access.js'
import { callerOf } from './auth.js'
import { ApiError, apiErrors, apiNotFound } from './errors.js'
import type { ApiServices } from './plugin.js'
import { checkRoomPassword } from './room-password.js'
import { errorResponses, tokenSecurity } from './schemas.js'

const JoinBody = Type.Object({
    name: Type.String({ minLength: 1, maxLength: 64, description: 'The room name, matched exactly.' }),
    password: Type.Optional(Type.String({ maxLength: 256, description: 'Needed for a private room the caller has not unlocked.' })),
})
const LeaveBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) })
const Joined = Type.Object({
    message: Type.String({ description: '`<handle> joined room "<room name>"`' }),
    room_id: Type.Integer(),
    room_name: Type.String(),
})
const Left = Type.Object({
    message: Type.String({ description: '`<handle> left room "<room name>"`' }),
    room_id: Type.Integer(),
    room_name: Type.String(),
})

/** The seed's 400 for a request without room name or token. */
const missing = () => new ApiError(400, apiErrors.missingRoomOrToken)

export function joinRoutes(app: FastifyInstance, s: ApiServices): void {
    app.post<{ Body: Static<typeof JoinBody> }>(
        '/join_room',
        {
            // The seed answers a missing token with 400 (and a bad one with 401).
            config: { missingToken: { status: 400, error: apiErrors.missingRoomOrToken } },
            attachValidation: true,
            schema: {
                tags: ['rooms'],
                summary: 'Join a room by name (seed 001)',
                description:
                    'Makes the caller a member of the room. A private room needs `password` unless the caller unlocked it ' +
                    'already (in the app or here); a right password unlocks it in the app too. Joining again moves joined_at.',
                security: tokenSecurity,
                body: JoinBody,
                response: { 200: Joined, ...errorResponses(400, 401, 403, 404, 429) },
            },
        },
        async (request) => {
            const userId = callerOf(request).userId
            if (request.validationError) {
                // A bad password field is named; anything else is the seed's "missing room name".
                const password = request.validationError.validation?.find((v: { instancePath: string }) => v.instancePath === '/password')
                if (password) throw new ApiError(400, `invalid body.password: ${password.message ?? 'not valid'}`)
                throw missing()
            }
            const { name, password } = request.body
            const now = s.now()
            const room = await s.directory.getOpen(name)
            if (!room) throw apiNotFound()
            if (await s.directory.isBanned(room.name, userId, now)) throw new ApiError(403, apiErrors.banned)
            if (room.passwordHash !== null && !(await mayAccess(s, room, userId))) {
                if (password === undefined || password === '') throw new ApiError(403, apiErrors.passwordRequired)
                const check = await checkRoomPassword(s.directory, userId, room, password, now)
                if (check.status === 'wrongPassword') throw new ApiError(403, apiErrors.wrongPassword)
                if (check.status === 'roomNotFound') throw apiNotFound()
                if (check.status === 'tooManyAttempts') {
                    throw new ApiError(429, apiErrors.tooManyPasswords, Math.max(1, Math.ceil(check.retryAfterMs / 1000)))
                }
                if (check.status === 'busy') throw new ApiError(429, apiErrors.passwordChecksBusy)
            }
            await s.store.upsertRoomMembership({ roomName: room.name, userId, joinedAt: now })
            const handle = await handleOf(s, userId)
            return { message: `${handle} joined room "${room.name}"`, room_id: room.id, room_name: room.name }
        },
    )

    app.post<{ Body: Static<typeof LeaveBody> }>(
        '/leave_room',
        {
            attachValidation: true,
            schema: {
                tags: ['rooms'],
                summary: 'Stop being a member of a room',
                security: tokenSecurity,
                body: LeaveBody,
                response: { 200: Left, ...errorResponses(400, 401, 404) },
            },
        },
        async (request) => {
            const userId = callerOf(request).userId
            if (request.validationError) throw new ApiError(400, apiErrors.missingRoomName)
            const room = await s.directory.get(request.body.name)
            if (!room) throw apiNotFound()
            if (!(await s.store.deleteRoomMembership(room.name, userId))) {
                // A private room stays invisible to strangers: same answer as an unknown room.
                throw (await mayAccess(s, room, userId)) ? new ApiError(404, apiErrors.notMember) : apiNotFound()
            }
            const handle = await handleOf(s, userId)
            return { message: `${handle} left room "${room.name}"`, room_id: room.id, room_name: room.name }
        },
    )
}

/** The user's Sonolus handle, as the seed's message names them (their id if the profile is unknown). */
async function handleOf(s: ApiServices, userId: string): Promise<string> {
    return (await s.store.getUser(userId))?.handle ?? userId
}
