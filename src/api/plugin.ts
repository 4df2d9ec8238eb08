// The JSON REST API under `<base path>/api` for bots, tools and web pages. Sign-in is one onRequest
// hook (auth.ts); each route module registers its routes. Rooms are reached through the room directory
// and the store; live rooms (players, chat delivery, scoreboard) through `live`, which the WebSocket layer
// fills in once it is attached.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { ApiTokenService } from '../auth/api-tokens.js'
import type { SessionService } from '../auth/sessions.js'
import type { Config } from '../config.js'
import type { RoomDirectory } from '../rooms/directory.js'
import type { PostChatResult } from '../rooms/live-room.js'
import type { LiveView } from './room-view.js'
import type { Replay, RoomFeeds } from '../rooms/room-feeds.js'
import type { RoomRecord, Store } from '../store/store.js'
import type { Moderation } from '../moderation/moderation.js'
import { adminRoutes } from './admin.js'
import { registerAuthHook } from './auth.js'
import { apiErrorHandler } from './errors.js'
import { joinRoutes } from './join.js'
import { roomEventsRoute } from './room-events.js'
import { roomChatRoute } from './rooms-chat.js'
import { roomResultsRoute } from './rooms-results.js'
import { roomRoutes } from './rooms.js'
import { ErrorBody } from './schemas.js'
import { tokenRoutes } from './tokens.js'

/** Live rooms, on whichever node hosts them (none until the WebSocket layer is attached). */
export interface LiveRooms {
    /** The room's live state; undefined when it is not live (or its node cannot be asked now). */
    view(room: RoomRecord): Promise<LiveView | undefined>
    /**
     * Chat from outside the game into the live room (its engine sends it to every player and stores it);
     * undefined when the room is not live anywhere. `playersOnly`: refused (`notMember`) unless the author
     * is in the game, as the room's own node sees it. Rejects with ClusterUnavailableError when the room's
     * node cannot be reached.
     */
    postChat(room: RoomRecord, author: { userId: string; name: string }, text: string, playersOnly?: boolean): Promise<PostChatResult | undefined>
    /**
     * What the room's own node kept of its feed after `lastEventId`, an id this node cannot place (a client
     * that watched the room through another node resumes here); undefined when the room is not live on
     * another node or that node cannot say.
     */
    missedElsewhere(room: RoomRecord, lastEventId: string): Promise<Replay | undefined>
}

export type ApiServices = {
    config: Config
    store: Store
    sessions: SessionService
    apiTokens: ApiTokenService
    directory: RoomDirectory
    live: LiveRooms
    feeds: RoomFeeds
    now: () => number
    /** The moderation API (/api/admin); its routes answer 403 while config.adminToken is unset. */
    moderation?: Moderation
    serverBans?: { has(userId: string, now: number): boolean }
}

export async function apiPlugin(app: FastifyInstance, services: ApiServices): Promise<void> {
    app.addSchema(ErrorBody)
    app.setErrorHandler(apiErrorHandler)
    app.setNotFoundHandler((_request, reply) => void reply.status(404).send({ error: 'not found' }))
    registerAuthHook(app, services)
    app.get(
        '/openapi.json',
        {
            config: { auth: 'none' },
            schema: {
                tags: ['docs'],
                summary: 'This API as an OpenAPI 3 document (interactive docs: /api/docs)',
                response: { 200: Type.Object({}, { additionalProperties: true }) },
            },
        },
        async () => app.swagger(),
    )
    tokenRoutes(app, services)
    joinRoutes(app, services)
    roomRoutes(app, services)
    roomChatRoute(app, services)
    roomResultsRoute(app, services)
    roomEventsRoute(app, services)
    if (services.moderation) await adminRoutes(app, { adminToken: services.config.adminToken, moderation: services.moderation })
}
