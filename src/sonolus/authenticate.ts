// POST /sonolus/authenticate: a body signed by Sonolus → a short-lived session; the profile is stored.
// Every refusal is 401 with the reason
// (https://wiki.sonolus.com/custom-server-specs/endpoints/post-sonolus-authenticate).
// The body is checked by SignedRequestVerifier's TypeBox schema rather than a route schema, because a
// body of the wrong shape is a refused sign-in (401), not a malformed request (400).
import type { ServerAuthenticateResponse } from '@sonolus/core'
import type { FastifyInstance } from 'fastify'
import { LocalizedQuery, header, type SonolusServices } from './context.js'
import { unauthorized } from './errors.js'

const empty = Buffer.alloc(0)

export function authenticateRoute(app: FastifyInstance, s: SonolusServices): void {
    app.post('/authenticate', { schema: { querystring: LocalizedQuery } }, async (request): Promise<ServerAuthenticateResponse> => {
        const now = s.now()
        // check (not verify): the nonce is spent in the same transaction that records the sign-in.
        const result = await s.signed.check('authenticateServer', {
            raw: request.rawBody ?? empty,
            parsed: request.body,
            signature: header(request.headers['sonolus-signature']),
            now,
        })
        if (!result.ok) throw unauthorized(result.reason)
        const profile = result.body.userProfile
        if (s.serverBans?.has(profile.id, now)) throw unauthorized('serverBanned')
        const { token, session } = s.sessions.create(profile.id, now)
        const user = { id: profile.id, handle: profile.handle, name: profile.name, profile, updatedAt: now }
        if (!(await s.store.recordSignIn({ nonce: result.nonce, user, session }))) throw unauthorized('replayed')
        return { session: token, expiration: session.expiresAt }
    })
}
