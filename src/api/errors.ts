// REST errors: every failure is `{"error": "<text>"}` with its status, never a stack trace.
// The texts are part of the API contract (join_room's are fixed word for word), so they are English
// and fixed, not localized: clients match on them.
import { ClusterUnavailableError } from '../cluster/cluster.js'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'

export class ApiError extends Error {
    constructor(
        readonly statusCode: number,
        message: string,
        /** Seconds for a Retry-After header (429). */
        readonly retryAfterSeconds?: number,
    ) {
        super(message)
    }
}

export const apiErrors = {
    unauthorized: 'unauthorized',
    roomNotFound: 'room not found',
    missingRoomOrToken: 'missing room name or token',
    passwordRequired: 'password required',
    wrongPassword: 'wrong password',
    tooManyPasswords: 'too many wrong passwords, try again later',
    passwordChecksBusy: 'password check already running or server busy, try again in a moment',
    banned: 'banned from this room',
    serverBanned: 'banned from this server',
    notMember: 'not a member of this room',
    missingRoomName: 'missing room name',
    nameTaken: 'room name taken',
    tooManyRooms: 'too many rooms created, try again later',
    roomLimit: 'too many open rooms: leave one empty until it closes, then create another',
    serverFull: 'the server has too many open rooms, try again later',
    tooManyMessages: 'too many messages, try again later',
    tokenNotFound: 'token not found',
    roomClosed: 'room is closed',
} as const

export const apiUnauthorized = () => new ApiError(401, apiErrors.unauthorized)
export const apiNotFound = (what: string = apiErrors.roomNotFound) => new ApiError(404, what)

/** "body/name must be string" → names the field the way clients wrote it. */
function describeValidation(error: FastifyError): string {
    const first = error.validation?.[0]
    if (!first) return `invalid request: ${error.message}`
    const missing = (first.params as { missingProperty?: string } | undefined)?.missingProperty
    const path = [error.validationContext, ...first.instancePath.split('/').filter(Boolean), ...(missing ? [missing] : [])].join('.')
    return missing ? `invalid ${path}: required` : `invalid ${path}: ${first.message ?? 'not valid'}`
}

export function apiErrorHandler(error: FastifyError | ApiError, request: FastifyRequest, reply: FastifyReply): void {
    if (error instanceof ApiError) {
        if (error.retryAfterSeconds !== undefined) void reply.header('Retry-After', String(error.retryAfterSeconds))
        void reply.status(error.statusCode).send({ error: error.message })
        return
    }
    if (error instanceof ClusterUnavailableError) {
        void reply
            .header('Retry-After', '5')
            .status(503)
            .send({ error: `multi-node service unavailable: ${error.message}` })
        return
    }
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500
    // A 500's error is logged once, in the request's line (ops/request-log.ts).
    // Validation and parser errors say what was wrong; anything else stays generic.
    const text = status === 500 ? 'internal error' : error.validation ? describeValidation(error) : error.message
    void reply.status(status).send({ error: text })
}
