// Sign-in for the REST API, checked once per request by an onRequest hook (never inside routes). A token
// in `Authorization` (bare or `Bearer <token>`) is either a Sonolus session (POST /sonolus/authenticate)
// or an API token (POST /api/tokens). Each route says in its config how it treats the caller:
//   'required' (the default): no or a bad token → 401 `unauthorized`
//   'optional': no token → anonymous; a bad token still 401 (a caller who sent one expects to be signed in)
//   'none': the header is not read at all (docs, the OpenAPI document)
// `missingToken` lets a route answer a missing token its own way (join_room's 400 of the seed).
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ApiTokenService } from '../auth/api-tokens.js'
import type { SessionService } from '../auth/sessions.js'
import { webSessionCookie, cookieOf, isSafeMethod, sameSiteRequest } from '../web/cookies.js'
import { ApiError, apiErrors, apiUnauthorized } from './errors.js'

export type Caller = { userId: string; via: 'session' | 'apiToken'; tokenId?: number }

export type AuthMode = 'required' | 'optional' | 'none'

declare module 'fastify' {
    interface FastifyRequest {
        /** The signed-in caller; null when anonymous (optional routes) or not read. */
        caller: Caller | null
    }
    interface FastifyContextConfig {
        auth?: AuthMode
        /** Error for a request with no token at all (default: 401 unauthorized). */
        missingToken?: { status: number; error: string }
    }
}

export type AuthServices = {
    sessions: SessionService
    apiTokens: ApiTokenService
    now: () => number
    /** Server-wide bans (moderation): a banned user's sessions and API tokens stop working at once. */
    serverBans?: { has(userId: string, now: number): boolean }
}

/** The token of an Authorization header, bare or Bearer; undefined when absent or blank. */
export function tokenOf(authorization: string | undefined): string | undefined {
    const token = authorization?.replace(/^Bearer(\s+|$)/i, '').trim()
    return token ? token : undefined
}

/** Who a token belongs to, or null when it is unknown, expired or revoked (whether banned or not). */
async function findCaller(s: AuthServices, token: string, now: number): Promise<Caller | null> {
    if (s.apiTokens.isApiToken(token)) {
        const check = await s.apiTokens.check(token, now)
        return check.status === 'valid' ? { userId: check.userId, via: 'apiToken', tokenId: check.tokenId } : null
    }
    const check = await s.sessions.check(token, now)
    return check.status === 'valid' ? { userId: check.userId, via: 'session' } : null
}

const isBanned = (s: AuthServices, caller: Caller, now: number) => s.serverBans?.has(caller.userId, now) === true

/** Who a token belongs to, or null when it is unknown, expired, revoked, or its user is banned server-wide. */
export async function resolveToken(s: AuthServices, token: string): Promise<Caller | null> {
    const now = s.now()
    const caller = await findCaller(s, token, now)
    return caller && !isBanned(s, caller, now) ? caller : null
}

/**
 * The token of a request: its Authorization header, else the web page's session cookie. A state-changing
 * request signed in by the cookie alone must prove it comes from the page itself (CSRF): see sameSiteRequest.
 */
export function requestToken(request: FastifyRequest): { token: string; cookie: boolean } | undefined {
    const header = tokenOf(request.headers.authorization)
    if (header) return { token: header, cookie: false }
    const cookie = cookieOf(request.headers.cookie, webSessionCookie)
    return cookie ? { token: cookie, cookie: true } : undefined
}

export function registerAuthHook(app: FastifyInstance, s: AuthServices): void {
    app.decorateRequest('caller', null)
    app.addHook('onRequest', async (request) => {
        const config = request.routeOptions.config
        const mode = config.auth ?? 'required'
        // Unknown routes answer 404 whoever asks.
        if (mode === 'none' || request.is404) return
        const found = requestToken(request)
        const token = found?.token
        if (found?.cookie && !isSafeMethod(request.method) && !sameSiteRequest(request)) throw new ApiError(403, 'cross-site request refused')
        if (!token) {
            if (mode === 'optional') return
            const missing = config.missingToken
            throw missing ? new ApiError(missing.status, missing.error) : apiUnauthorized()
        }
        const now = s.now()
        const caller = await findCaller(s, token, now)
        // An expired cookie leaves the page anonymous where anonymous is fine (the page signs in again).
        if (!caller && found?.cookie && mode === 'optional') return
        if (!caller) throw apiUnauthorized()
        // A server-wide ban takes effect at once on every session and API token of the user.
        if (isBanned(s, caller, now)) throw new ApiError(403, apiErrors.serverBanned)
        request.caller = caller
    })
}

/** The caller of a route whose auth is 'required' (the hook guarantees one). */
export function callerOf(request: FastifyRequest): Caller {
    if (!request.caller) throw apiUnauthorized()
    return request.caller
}
