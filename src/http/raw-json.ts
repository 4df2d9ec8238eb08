// JSON bodies are parsed by this one parser, which keeps the exact bytes on request.rawBody: a Sonolus
// signature covers the bytes, not the parsed value. Over the body limit → 413 (Fastify's own check);
// malformed JSON → 400 with code ENSEMBLE_MALFORMED_JSON; an empty body parses to undefined.
import type { FastifyInstance } from 'fastify'

declare module 'fastify' {
    interface FastifyRequest {
        /** The exact body bytes of a JSON request; null when the request had no JSON body. */
        rawBody: Buffer | null
    }
}

export class MalformedJsonError extends Error {
    readonly statusCode = 400
    readonly code = 'ENSEMBLE_MALFORMED_JSON'
}

export function registerRawJsonParser(app: FastifyInstance, bodyLimit: number): void {
    app.decorateRequest('rawBody', null)
    app.removeContentTypeParser('application/json')
    app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (request, body, done) => {
        const bytes = body as Buffer
        request.rawBody = bytes
        if (bytes.length === 0) return done(null, undefined)
        try {
            done(null, JSON.parse(bytes.toString('utf8')))
        } catch {
            done(new MalformedJsonError('malformed JSON body'), undefined)
        }
    })
}
