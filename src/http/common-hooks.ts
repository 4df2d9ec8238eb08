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
    // finite numbers), and JSON.parse reads 1e400 as Infinity: no route can use such a number.
    app.addHook('preHandler', (request, _reply, done) => {
        if (hasNonFinite(request.params) || hasNonFinite(request.query) || hasNonFinite(request.body))
            return done(Object.assign(new Error('a number in the request is out of range'), { statusCode: 400 }))
        done()
    })
}

/** A non-finite number among an object's own values (or in its arrays, one level down). */
function hasNonFinite(value: unknown): boolean {
    if (typeof value === 'number') return !Number.isFinite(value)
    if (value === null || typeof value !== 'object') return false
    for (const field of Object.values(value)) {
        if (typeof field === 'number' && !Number.isFinite(field)) return true
        if (Array.isArray(field) && field.some((item) => typeof item === 'number' && !Number.isFinite(item))) return true
    }
    return false
}
