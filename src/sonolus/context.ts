// What the Sonolus endpoints share: their services, and Sonolus-Session handling declared per route
// (`config: { signIn: 'required' | 'optional' }`). A present session that is unknown or expired is 401
// everywhere, so the app re-authenticates; a missing one is 401 only where sign-in is required.
// https://wiki.sonolus.com/custom-server-specs/headers/sonolus-session.
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { SessionService } from '../auth/sessions.js'
import type { SignedRequestVerifier } from '../auth/signed-request.js'
import type { JoinSessions } from '../auth/join-sessions.js'
import type { Config } from '../config.js'
import type { RoomDirectory } from '../rooms/directory.js'
import type { Store } from '../store/store.js'
import { unauthorized } from './errors.js'

declare module 'fastify' {
    interface FastifyContextConfig {
        /** Sonolus-Session policy of the route; absent: the header is ignored. */
        signIn?: 'required' | 'optional'
    }
    interface FastifyRequest {
        /** The signed-in user (from Sonolus-Session), or null. */
        userId: string | null
    }
}

export type SonolusServices = {
    config: Config
    store: Store
    sessions: SessionService
    signed: SignedRequestVerifier
    directory: RoomDirectory
    joinSessions: JoinSessions
    now: () => number
    banner: { hash: string; file: Buffer; contentType: string } | null
    /** Server-wide bans (moderation): refused at sign-in. */
    serverBans?: { has(userId: string, now: number): boolean }
}

/** The query every Sonolus endpoint accepts (configuration options pass through). */
export const LocalizedQuery = Type.Object({ localization: Type.Optional(Type.String({ maxLength: 32 })) })

export function registerSessionHook(app: FastifyInstance, services: Pick<SonolusServices, 'sessions' | 'now'>): void {
    app.decorateRequest('userId', null)
    // Callback style, not async: most routes (sign-in and join among them) have no policy, and an async
    // hook costs every request a promise and a turn of the microtask queue.
    app.addHook('preHandler', (request, _reply, done) => {
        const policy = request.routeOptions.config.signIn
        if (!policy) return done()
        const header = request.headers['sonolus-session']
        if (typeof header !== 'string' || header === '') return done(policy === 'required' ? unauthorized('sessionRequired') : undefined)
        services.sessions.check(header, services.now()).then((check) => {
            if (check.status !== 'valid') return done(unauthorized('sessionExpired'))
            request.userId = check.userId
            done()
        }, done)
    })
}

/** A header's value as one string, or undefined. */
export function header(value: string | string[] | undefined): string | undefined {
    return typeof value === 'string' ? value : undefined
}
