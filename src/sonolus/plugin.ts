// The Sonolus endpoints, one file each, registered under <basePath>/sonolus with the session hook.
import type { FastifyInstance } from 'fastify'
import { authenticateRoute } from './authenticate.js'
import { bannerRoute } from './banner.js'
import { registerSessionHook, type SonolusServices } from './context.js'
import { infoRoute } from './info.js'
import { roomsCreateRoute } from './rooms/create.js'
import { roomsInfoRoute } from './rooms/info.js'
import { roomsJoinRoute } from './rooms/join.js'
import { roomsListRoute } from './rooms/list.js'

export async function sonolusPlugin(app: FastifyInstance, services: SonolusServices): Promise<void> {
    registerSessionHook(app, services)
    infoRoute(app, services)
    bannerRoute(app, services)
    authenticateRoute(app, services)
    roomsInfoRoute(app, services)
    roomsListRoute(app, services)
    roomsCreateRoute(app, services)
    roomsJoinRoute(app, services)
}
