// POST /sonolus/rooms/create: reserves a fresh room name and a single-use key for the signed-in creator.
// The room itself is made when the creator joins with Sonolus-Room-Key (rooms/join.ts). 429 when the
// player creates rooms faster than ENSEMBLE_ROOM_CREATES_PER_MINUTE; 403 when they hold
// ENSEMBLE_MAX_ROOMS_PER_PLAYER open rooms and reservations; 503 when ENSEMBLE_MAX_ROOMS rooms are open.
// https://wiki.sonolus.com/custom-server-specs/endpoints/post-sonolus-rooms-create.
import { Type, type Static } from '@sinclair/typebox'
import type { ServerCreateRoomResponse } from '@sonolus/core'
import type { FastifyInstance } from 'fastify'
import { LocalizedQuery, type SonolusServices } from '../context.js'

/** The answer to a creation refused by a cap on open rooms (here and when the reservation is claimed). */
export const capRefusal = (reason: RoomCapReason, s: Pick<SonolusServices, 'config'>): SonolusError =>
    reason === 'roomLimit' ? forbidden('roomLimitReached', { max: s.config.maxRoomsPerPlayer }) : serviceUnavailable('serverFull')
import type { RoomCapReason } from '../../rooms/directory.js'
import { forbidden, serviceUnavailable, tooManyRequests, type SonolusError } from '../errors.js'

/** ServerCreateRoomRequest is `object`; a `values` string (form values) is kept with the reservation. */
const CreateBody = Type.Object({ values: Type.Optional(Type.String({ maxLength: 4096 })) })

export function roomsCreateRoute(app: FastifyInstance, s: SonolusServices): void {
    app.post<{ Body: Static<typeof CreateBody> }>(
        '/rooms/create',
        {
            schema: { querystring: LocalizedQuery, body: CreateBody },
            config: { signIn: 'required' },
            // No body at all means an empty request object.
            preValidation: (request, _reply, done) => {
                request.body ??= {}
                done()
            },
        },
        async (request): Promise<ServerCreateRoomResponse> => {
            const reserved = await s.directory.reserve(request.userId!, request.body.values ?? '', s.now())
            if (!reserved.ok) {
                // nameTaken is only for a chosen name (the REST API's); the app's names are drawn at random.
                if (reserved.reason === 'tooManyRooms' || reserved.reason === 'nameTaken') throw tooManyRequests('tooManyRooms')
                throw capRefusal(reserved.reason, s)
            }
            return { name: reserved.name, key: reserved.key }
        },
    )
}
