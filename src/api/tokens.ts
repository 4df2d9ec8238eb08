// API tokens for bots: POST /api/tokens (shown once), GET /api/tokens, DELETE /api/tokens/{id}.
// Only a session (a person signed in) may mint a token: a leaked bot token cannot breed new ones.
import { Type, type Static } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { callerOf } from './auth.js'
import { ApiError, apiErrors } from './errors.js'
import type { ApiServices } from './plugin.js'
import { errorResponses, RowId, tokenSecurity } from './schemas.js'

/** Active tokens per user: enough for many bots, bounded so a loop cannot fill the table. */
export const maxTokensPerUser = 50

const CreateBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64, description: 'A label, e.g. the bot it is for.' }) })
const TokenInfo = Type.Object({
    id: Type.Integer(),
    name: Type.String(),
    created_at: Type.Integer({ description: 'Unix ms' }),
    last_used_at: Type.Union([Type.Integer(), Type.Null()], { description: 'Unix ms, to the minute; null: never used' }),
})
const Created = Type.Object({
    id: Type.Integer(),
    name: Type.String(),
    token: Type.String({ description: 'The token. Shown this once: only its hash is stored.' }),
    created_at: Type.Integer(),
})
const IdParams = Type.Object({ id: RowId() })

export function tokenRoutes(app: FastifyInstance, s: ApiServices): void {
    app.post<{ Body: Static<typeof CreateBody> }>(
        '/tokens',
        {
            schema: {
                tags: ['tokens'],
                summary: 'Create an API token (needs a session)',
                security: tokenSecurity,
                body: CreateBody,
                response: { 201: Created, ...errorResponses(400, 401, 403, 409) },
            },
        },
        async (request, reply) => {
            const caller = callerOf(request)
            if (caller.via !== 'session') throw new ApiError(403, 'api tokens cannot create tokens: sign in with a session')
            if ((await s.apiTokens.list(caller.userId)).length >= maxTokensPerUser) {
                throw new ApiError(409, `too many tokens (${maxTokensPerUser} at most): revoke one first`)
            }
            const { token, record } = await s.apiTokens.create(caller.userId, request.body.name.trim() || request.body.name, s.now())
            return reply.status(201).send({ id: record.id, name: record.name, token, created_at: record.createdAt })
        },
    )

    app.get(
        '/tokens',
        {
            schema: {
                tags: ['tokens'],
                summary: "The caller's active API tokens (never the tokens themselves)",
                security: tokenSecurity,
                response: { 200: Type.Object({ tokens: Type.Array(TokenInfo) }), ...errorResponses(401) },
            },
        },
        async (request) => {
            const tokens = await s.apiTokens.list(callerOf(request).userId)
            return { tokens: tokens.map((t) => ({ id: t.id, name: t.name, created_at: t.createdAt, last_used_at: t.lastUsedAt })) }
        },
    )

    app.delete<{ Params: Static<typeof IdParams> }>(
        '/tokens/:id',
        {
            schema: {
                tags: ['tokens'],
                summary: 'Revoke an API token (at once)',
                security: tokenSecurity,
                params: IdParams,
                response: { 204: Type.Null({ description: 'Revoked' }), ...errorResponses(400, 401, 404) },
            },
        },
        async (request, reply) => {
            if (!(await s.apiTokens.revoke(callerOf(request).userId, request.params.id))) throw new ApiError(404, apiErrors.tokenNotFound)
            return reply.status(204).send()
        },
    )
}
