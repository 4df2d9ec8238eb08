// POST /sonolus/rooms/{name}: verify the signed authenticateMultiplayer body (signature, type, address,
// room, time, replay), create the room when the creator brings Sonolus-Room-Key, admit the player
// (exists, not banned, unlocked if private, a free seat) and hand out a single-use join session.
// seeds/000_3e43684edb00d7bd.txt. Statuses: 401 refused signature or session, 400 bad create parameter,
// 404 no such room (or a reservation without its key), 403 banned / private and locked, 409 full.
import { Type, type Static } from '@sinclair/typebox'
import type { ServerJoinRoomResponse } from '@sonolus/core'
import type { FastifyInstance } from 'fastify'
import { userRef } from '../../auth/profile.js'
import { t } from '../../i18n.js'
import { createQuery, parseCreateParameters } from '../../rooms/create-parameters.js'
import type { RoomRefusal } from '../../rooms/directory.js'
import { multiplayerUrl } from '../../urls.js'
import { header, type SonolusServices } from '../context.js'
import { badRequest, conflict, forbidden, notFound, SonolusError, unauthorized } from '../errors.js'

const JoinParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) })

/** Create parameters are checked for range by parseCreateParameters; here only their size. */
const JoinQuery = Type.Object({
    localization: Type.Optional(Type.String({ maxLength: 32 })),
    ...Object.fromEntries(Object.values(createQuery).map((q) => [q, Type.Optional(Type.String({ maxLength: 200 }))])),
})

const refusals: Record<RoomRefusal, () => SonolusError> = {
    roomNotFound: () => notFound('roomNotFound'),
    roomBanned: () => forbidden('roomBanned'),
    roomLocked: () => forbidden('roomLocked'),
    roomFull: () => conflict('roomFull'),
}

const empty = Buffer.alloc(0)

export function roomsJoinRoute(app: FastifyInstance, s: SonolusServices): void {
    app.post<{ Params: Static<typeof JoinParams>; Querystring: Record<string, string | undefined> }>(
        '/rooms/:name',
        { schema: { params: JoinParams, querystring: JoinQuery }, config: { signIn: 'optional' } },
        async (request): Promise<ServerJoinRoomResponse> => {
            const now = s.now()
            const { name } = request.params
            const raw = request.rawBody ?? empty
            const signature = header(request.headers['sonolus-signature'])
            const result = await s.signed.verify('authenticateMultiplayer', { raw, parsed: request.body, signature, now, room: name })
            if (!result.ok) throw unauthorized(result.reason)
            const profile = result.body.userProfile
            if (request.userId !== null && request.userId !== profile.id) throw unauthorized('sessionMismatch')

            let creation
            const key = header(request.headers['sonolus-room-key'])
            if (key) {
                const parsed = parseCreateParameters(request.query, s.config, t(request.locale, 'defaultRoomTitle', { name: profile.name }))
                if (!parsed.ok) throw badRequest('invalidParameter', { name: parsed.parameter })
                creation = { key, parameters: parsed.value }
            }

            await s.store.upsertUser({ id: profile.id, handle: profile.handle, name: profile.name, profile, updatedAt: now })
            const admitted = await s.directory.admit({ name, userId: profile.id, now, creation })
            if (!admitted.ok) throw refusals[admitted.reason]()

            const session = await s.joinSessions.issue({
                roomName: name,
                userId: profile.id,
                profile: userRef(profile),
                authentication: raw.toString('base64'),
                signature: signature!,
                locale: request.locale,
                createdRoom: admitted.created,
            })
            return { url: multiplayerUrl(s.config, name), type: 'round', session }
        },
    )
}
