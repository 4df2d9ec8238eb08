// Cross-cutting per-request work, once for every route: the Sonolus-Version header on every response
// (https://wiki.sonolus.com/custom-server-specs/headers/sonolus-version) and the request's language from
// `localization`.
import { version } from '@sonolus/core'
import type { FastifyInstance } from 'fastify'
import { resolveLocale, type Locale } from '../i18n.js'

declare module 'fastify' {
    interface FastifyRequest {
        /** Language of every text written for this request. */
        locale: Locale
    }
}

export function registerCommonHooks(app: FastifyInstance): void {
    app.decorateRequest('locale', 'en')
    app.addHook('onRequest', (request, reply, done) => {
        reply.header('Sonolus-Version', version.sonolus)
        // No name, token or search here may hold a NUL, and PostgreSQL refuses one in any text (a 500):
        // such a URL is a bad request before any route reads it.
        if (/%00/i.test(request.url)) return done(Object.assign(new Error('the URL holds a NUL character'), { statusCode: 400 }))
        request.locale = resolveLocale((request.query as Record<string, unknown> | undefined)?.localization)
        done()
    })
    // Schema validation coerces "1e309" to Infinity and then skips its minimum and maximum (Ajv bounds only
    // finite numbers), and JSON.parse reads 1e400 as Infinity: no route can use such a number. No text has a
    // use for a NUL either, and PostgreSQL refuses one (a 500).
    app.addHook('preHandler', (request, _reply, done) => {
        const bad = unusable(request.params) ?? unusable(request.query) ?? unusable(request.body)
        if (bad) return done(Object.assign(new Error(bad), { statusCode: 400 }))
        done()
    })
}

/** Objects nested deeper than this are not searched (request bodies are a few levels deep). */
const maxDepth = 8

/** Why a parsed request value cannot be used: a non-finite number or a NUL in a text, anywhere in it. */
function unusable(value: unknown, depth = 0): string | undefined {
    if (typeof value === 'number') return Number.isFinite(value) ? undefined : 'a number in the request is out of range'
    if (typeof value === 'string') return value.includes('\0') ? 'a text in the request holds a NUL character' : undefined
    if (value === null || typeof value !== 'object' || depth >= maxDepth) return undefined
    for (const field of Array.isArray(value) ? value : Object.values(value)) {
        const bad = unusable(field, depth + 1)
        if (bad) return bad
    }
    return undefined
}
