// REST errors: every failure is `{"error": "<text>"}` with its status, never a stack trace (BRIEF 3).
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'

export class ApiError extends Error {
    constructor(
        readonly statusCode: number,
        message: string,
    ) {
        super(message)
    }
}

export const apiUnauthorized = () => new ApiError(401, 'unauthorized')
export const apiNotFound = (what = 'room not found') => new ApiError(404, what)

export function apiErrorHandler(error: FastifyError | ApiError, request: FastifyRequest, reply: FastifyReply): void {
    if (error instanceof ApiError) {
        void reply.status(error.statusCode).send({ error: error.message })
        return
    }
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500
    if (status === 500) request.log.error({ err: error }, 'api request failed')
    // Validation and parser errors say what was wrong; anything else stays generic.
    void reply.status(status).send({ error: status === 500 ? 'internal error' : error.validation ? `invalid request: ${error.message}` : error.message })
}
