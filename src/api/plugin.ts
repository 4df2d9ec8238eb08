// The JSON REST API under `<base path>/api` for bots, tools and web pages. A token in `Authorization`
// (a Sonolus session from POST /sonolus/authenticate, bare or as `Bearer <token>`) signs the caller in.
// Rooms are reached through the room directory and the store, never through the engine.
import type { FastifyInstance } from 'fastify'
import type { SessionService } from '../auth/sessions.js'
import type { RoomDirectory } from '../rooms/directory.js'
import type { Store } from '../store/store.js'
import { apiErrorHandler, apiUnauthorized } from './errors.js'
import { roomChatRoute } from './rooms-chat.js'
import { roomResultsRoute } from './rooms-results.js'

export type ApiServices = { store: Store; sessions: SessionService; directory: RoomDirectory; now: () => number }

/** The signed-in caller, or 401 `unauthorized`. */
export async function apiUser(services: ApiServices, authorization: string | undefined): Promise<string> {
    const token = authorization?.replace(/^Bearer\s+/i, '').trim()
    if (!token) throw apiUnauthorized()
    const check = await services.sessions.check(token, services.now())
    if (check.status !== 'valid') throw apiUnauthorized()
    return check.userId
}

export async function apiPlugin(app: FastifyInstance, services: ApiServices): Promise<void> {
    app.setErrorHandler(apiErrorHandler)
    app.setNotFoundHandler((_request, reply) => void reply.status(404).send({ error: 'not found' }))
    roomChatRoute(app, services)
    roomResultsRoute(app, services)
}
