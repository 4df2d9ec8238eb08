// The one place Sonolus error bodies are made: a ServerMessage ({ message }) in the request's language,
// with the status the spec names. Nothing internal (stack, SQL, file paths) ever reaches the body.
// https://wiki.sonolus.com/custom-server-specs/misc/server-message.
import { ClusterUnavailableError } from '../cluster/cluster.js'
import type { ServerMessage } from '@sonolus/core'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { t, type MessageKey } from '../i18n.js'

export class SonolusError extends Error {
    constructor(
        readonly statusCode: number,
        readonly key: MessageKey,
        readonly params?: Record<string, string | number>,
        /** Extra response headers (Retry-After). */
        readonly headers?: Record<string, string>,
    ) {
        super(key)
        this.name = 'SonolusError'
    }
}

export const badRequest = (key: MessageKey = 'badRequest', params?: Record<string, string | number>) => new SonolusError(400, key, params)
export const unauthorized = (key: MessageKey) => new SonolusError(401, key)
export const forbidden = (key: MessageKey, params?: Record<string, string | number>) => new SonolusError(403, key, params)
export const notFound = (key: MessageKey = 'notFound') => new SonolusError(404, key)
export const conflict = (key: MessageKey) => new SonolusError(409, key)
/** 429; with `retryAfterMs`, a Retry-After header in whole seconds (rounded up). */
export const tooManyRequests = (key: MessageKey, retryAfterMs?: number) =>
    new SonolusError(
        429,
        key,
        undefined,
        retryAfterMs === undefined ? undefined : { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
    )
export const serviceUnavailable = (key: MessageKey) => new SonolusError(503, key)

export const serverMessage = (locale: string, key: MessageKey, params?: Record<string, string | number>): ServerMessage => ({
    message: t(locale, key, params),
})

/** Fastify's own errors, mapped to a status and a text. */
function describe(
    error: FastifyError,
): { status: number; key: MessageKey; params?: Record<string, string>; headers?: Record<string, string> } | undefined {
    if (error instanceof SonolusError)
        return { status: error.statusCode, key: error.key, params: error.params as Record<string, string>, headers: error.headers }
    if (error instanceof ClusterUnavailableError) return { status: 503, key: 'clusterUnavailable', headers: { 'retry-after': '5' } }
    if (error.validation) {
        const first = error.validation[0]
        const path = first?.instancePath?.replace(/^\//, '') || (first?.params as { missingProperty?: string } | undefined)?.missingProperty
        return path ? { status: 400, key: 'invalidParameter', params: { name: path } } : { status: 400, key: 'badRequest' }
    }
    switch (error.code) {
        case 'ENSEMBLE_MALFORMED_JSON':
        case 'FST_ERR_CTP_EMPTY_JSON_BODY':
            return { status: 400, key: 'malformedJson' }
        case 'FST_ERR_CTP_BODY_TOO_LARGE':
            return { status: 413, key: 'bodyTooLarge' }
        case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
            return { status: 415, key: 'unsupportedMediaType' }
    }
    const status = error.statusCode ?? 500
    if (status >= 400 && status < 500) return { status, key: status === 404 ? 'notFound' : 'badRequest' }
    return undefined
}

export function sonolusErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
    const known = describe(error)
    if (known) {
        // A 5xx and its error are logged once, in the request's line (ops/request-log.ts).
        if (known.headers) reply.headers(known.headers)
        reply.code(known.status).send(serverMessage(request.locale, known.key, known.params))
        return
    }
    reply.code(500).send(serverMessage(request.locale, 'internalError'))
}

export function sonolusNotFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
    reply.code(404).send(serverMessage(request.locale, 'notFound'))
}
