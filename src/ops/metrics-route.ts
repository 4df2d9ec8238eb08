// GET /metrics (Prometheus text format) and the per-request hook that times every HTTP request by its
// route pattern and counts sign-ins and joins by result. With ENSEMBLE_METRICS_TOKEN set, a scrape must
// bring `Authorization: Bearer <token>` (401 otherwise).
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { resultOf, type Metrics } from './metrics.js'

const digest = (text: string) => createHash('sha256').update(text).digest()

/** Constant-time comparison of a bearer token with the expected one (hashes: equal lengths). */
export function bearerMatches(authorization: string | undefined, expected: string): boolean {
    const m = /^Bearer\s+(.+)$/i.exec(authorization ?? '')
    return m !== null && timingSafeEqual(digest(m[1]!.trim()), digest(expected))
}

export function registerMetrics(app: FastifyInstance, metrics: Metrics, options: { basePath: string; token: string | null }): void {
    const { basePath, token } = options
    const signInRoute = `${basePath}/sonolus/authenticate`
    const joinRoutes = new Map([
        [`${basePath}/sonolus/rooms/:name`, 'sonolus'],
        [`${basePath}/api/join_room`, 'api'],
    ])
    app.addHook('onResponse', (request, reply, done) => {
        // The route pattern, never the raw URL (one series per route, whatever clients send).
        const route = request.routeOptions.url ?? 'unmatched'
        const status = reply.statusCode
        metrics.observeRequest(request.method, route, String(status), reply.elapsedTime / 1000)
        if (request.method === 'POST') {
            if (route === signInRoute) metrics.countSignIn(resultOf(status))
            else {
                const via = joinRoutes.get(route)
                if (via) metrics.countJoin(via, resultOf(status))
            }
        }
        done()
    })
    app.get(`${basePath}/metrics`, async (request, reply) => {
        if (token !== null && !bearerMatches(request.headers.authorization, token)) {
            return reply.status(401).header('WWW-Authenticate', 'Bearer').send({ error: 'unauthorized' })
        }
        reply.type(metrics.registry.contentType)
        return metrics.scrape()
    })
}
