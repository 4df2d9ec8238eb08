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
}
