// POST /sonolus/rooms/{name}: verify the signed authenticateMultiplayer body (signature, type, address,
// room, time, replay), create the room when the creator brings Sonolus-Room-Key, admit the player
// (exists, not banned, unlocked if private, a free seat) and hand out a single-use join session.
// Statuses: 401 refused signature or session, 400 bad create parameter,
// 404 no such room (or a reservation without its key), 403 banned / private and locked, 409 full,
// 429 a private room's password could not be hashed now (the server's password checks are all busy);
// creating the room: 403 the player has ENSEMBLE_MAX_ROOMS_PER_PLAYER open rooms, 503 the server ENSEMBLE_MAX_ROOMS.
import { Type, type Static } from '@sinclair/typebox'
import type { ServerJoinRoomResponse } from '@sonolus/core'
import type { FastifyInstance } from 'fastify'
import { userRef } from '../../auth/profile.js'
import { t } from '../../i18n.js'
import { createQuery, parseCreateParameters } from '../../rooms/create-parameters.js'
import type { RoomRefusal } from '../../rooms/directory.js'
import { multiplayerUrl, ownUrl } from '../../urls.js'
import { header, type SonolusServices } from '../context.js'
import { capRefusal } from './create.js'
import { badRequest, conflict, forbidden, notFound, SonolusError, tooManyRequests, unauthorized } from '../errors.js'

const JoinParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) })

/** Create parameters are checked for range by parseCreateParameters; here only their size. */
const JoinQuery = Type.Object({
    localization: Type.Optional(Type.String({ maxLength: 32 })),
    ...Object.fromEntries(Object.values(createQuery).map((q) => [q, Type.Optional(Type.String({ maxLength: 200 }))])),
})

const refusal = (reason: RoomRefusal, s: SonolusServices): SonolusError => {
    switch (reason) {
        case 'roomNotFound':
            return notFound('roomNotFound')
        case 'clusterUnavailable':
            return new SonolusError(503, 'clusterUnavailable', undefined, { 'retry-after': '5' })
        case 'roomBanned':
            return forbidden('roomBanned')
        case 'roomLocked':
            return forbidden('roomLocked')
        case 'roomFull':
            return conflict('roomFull')
        case 'passwordChecksBusy':
            return tooManyRequests('passwordChecksBusy')
        default:
            return capRefusal(reason, s)
    }
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
            // check (not verify): the body is spent below, before any answer and whatever the answer, in the
            // transaction that records the join when there is one. A body already spent is 'replayed' (401)
            // whatever else would have been answered.
            const result = await s.signed.check('authenticateMultiplayer', { raw, parsed: request.body, signature, now, room: name })
            if (!result.ok) throw unauthorized(result.reason)
            const { nonce } = result
            const profile = result.body.userProfile
            const user = { id: profile.id, handle: profile.handle, name: profile.name, profile, updatedAt: now }
            const refuse = async (error: SonolusError, withUser: boolean): Promise<never> => {
                const fresh = withUser ? await s.store.recordJoin({ nonce, user }) : await s.store.useNonce(nonce)
                throw fresh ? error : unauthorized('replayed')
            }
            if (request.userId !== null && request.userId !== profile.id) return refuse(unauthorized('sessionMismatch'), false)

            const ticket = (created: boolean) => ({
                roomName: name,
                userId: profile.id,
                profile: userRef(profile),
                authentication: raw.toString('base64'),
                signature: signature!,
                locale: request.locale,
                createdRoom: created,
            })
            const key = header(request.headers['sonolus-room-key'])
            if (key) {
                const parsed = parseCreateParameters(request.query, s.config, t(request.locale, 'defaultRoomTitle', { name: profile.name }))
                if (!parsed.ok) return refuse(badRequest('invalidParameter', { name: parsed.parameter }), false)
                // The creator's join: the body is spent before the reservation is claimed, so a replay creates nothing.
                if (!(await s.store.recordJoin({ nonce, user }))) throw unauthorized('replayed')
                const admitted = await s.directory.admit({ name, userId: profile.id, now, creation: { key, parameters: parsed.value } })
                if (!admitted.ok) throw refusal(admitted.reason, s)
                const host = s.directory.hostUrl(admitted.room, ownUrl(s.config))
                if (host === undefined) throw refusal('roomNotFound', s)
                const session = await s.joinSessions.issue(ticket(admitted.created))
                return { url: multiplayerUrl(host, name), type: 'round', session }
            }

            // An ordinary join only reads before its one write: nonce, profile and join session together.
            const admitted = await s.directory.admit({ name, userId: profile.id, now })
            if (!admitted.ok) return refuse(refusal(admitted.reason, s), true)
            // Several nodes: the player is sent to the node hosting the room, whichever node answered.
            const host = s.directory.hostUrl(admitted.room, ownUrl(s.config))
            if (host === undefined) return refuse(refusal('roomNotFound', s), true)
            const { token, record } = s.joinSessions.create(ticket(false))
            if (!(await s.store.recordJoin({ nonce, user, joinSession: record }))) throw unauthorized('replayed')
            return { url: multiplayerUrl(host, name), type: 'round', session: token }
        },
    )
}
