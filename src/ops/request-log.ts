// What the server logs about HTTP requests. By default, one line per request worth reading: failed
// (5xx at error; 4xx at debug) or slow (at warn), not the two lines per request Fastify writes (which
// cost a sizeable share of sign-in throughput); ENSEMBLE_ACCESS_LOG=true brings those back. Every line
// written through request.log carries the request id (reqId). Secrets never reach a line: the request
// serializer keeps method, URL (room passwords masked) and address, and the listed headers are redacted
// should anything log them.
import type { FastifyInstance, FastifyServerOptions } from 'fastify'

/** Hides secrets that travel in query strings (room passwords) from request logs. */
export const redactUrl = (url: string): string => url.replace(/([?&]password=)[^&]*/gi, '$1***')

const secretHeaders = ['authorization', 'sonolus-session', 'sonolus-signature', 'sonolus-room-session', 'sonolus-room-key', 'cookie', 'set-cookie']

/** pino options for Fastify's logger: level, the request serializer, redaction. */
export function loggerOptions(level: string): Exclude<FastifyServerOptions['logger'], boolean | undefined> {
    return {
        level,
        serializers: {
            req: (req) => ({ method: req.method, url: redactUrl(req.url), remoteAddress: req.ip }),
        },
        redact: {
            paths: secretHeaders.flatMap((h) => [`req.headers["${h}"]`, `headers["${h}"]`, `request.headers["${h}"]`]),
            censor: '***',
        },
    }
}

declare module 'fastify' {
    interface FastifyRequest {
        /** The error a handler threw, kept for the request's one log line (onResponse). */
        failure: unknown
    }
}

export function registerRequestLog(app: FastifyInstance, options: { accessLog: boolean; slowRequestMs: number }): void {
    const { slowRequestMs, accessLog } = options
    app.decorateRequest('failure', null)
    // The error handlers write nothing: the error goes into the request's one line below.
    app.addHook('onError', (request, _reply, error, done) => {
        request.failure = error
        done()
    })
    app.addHook('onResponse', (request, reply, done) => {
        const status = reply.statusCode
        const responseTime = reply.elapsedTime
        if (status >= 500) request.log.error({ req: request, statusCode: status, responseTime, err: request.failure ?? undefined }, 'request failed')
        // With the access log on, Fastify's two lines already tell the rest.
        else if (accessLog) return done()
        else if (responseTime >= slowRequestMs) request.log.warn({ req: request, statusCode: status, responseTime }, 'slow request')
        else if (status >= 400) request.log.debug({ req: request, statusCode: status, responseTime }, 'request refused')
        done()
    })
}
