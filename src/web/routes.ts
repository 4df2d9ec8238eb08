// The web page: its static files and its sign-in with Sonolus. The page itself is built
// by `npm run build` (web/ → dist/web) and talks to the REST API only; these routes serve it and run
// the external sign-in (src/auth/external-login.ts). Every URL the page uses is relative to a <base href>
// set here to the public path, so it works under a sub-path whether or not the proxy strips it.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { renderSVG } from 'uqr'
import type { ExternalLogins } from '../auth/external-login.js'
import type { SessionService } from '../auth/sessions.js'
import type { Config } from '../config.js'
import { resolveLocale, type MessageKey, t } from '../i18n.js'
import type { Store } from '../store/store.js'
import { csrfHeader, cookieOf, serializeCookie, webLoginCookie, webSessionCookie, type CookieOptions } from './cookies.js'

export type WebServices = {
    config: Config
    store: Pick<Store, 'getUser'>
    webSessions: SessionService
    logins: ExternalLogins
    now: () => number
}

/** dist/web, next to dist/src where this module runs from. */
const webRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web')

const types: Record<string, string> = {
    '.js': 'text/javascript; charset=utf-8',
    '.css': 'text/css; charset=utf-8',
    '.svg': 'image/svg+xml',
    '.png': 'image/png',
    '.map': 'application/json; charset=utf-8',
}

/** The page allows only its own scripts, styles and connections (and data: images for the QR code). */
const csp =
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'"

/** The path the browser sees the server under ('/' or '/prefix/'). */
export function publicBasePath(config: Pick<Config, 'address' | 'basePath'>): string {
    const path = new URL(config.address).pathname.replace(/\/+$/, '')
    return `${path || config.basePath}/`
}

/** The public URL of a pending login's endpoint: what the app POSTs to and what its body must name. */
export const loginEndpointUrl = (config: Pick<Config, 'address'>, id: string) => `${config.address}/web/logins/${id}`

/** sonolus://external-login/<host and path of the endpoint> (the scheme is the app's to choose). */
export const externalLoginLink = (url: string) => `sonolus://external-login/${url.replace(/^https?:\/\//, '')}`

function loadAssets(): Map<string, Buffer> {
    const assets = new Map<string, Buffer>()
    const dir = join(webRoot, 'assets')
    let names: string[]
    try {
        names = readdirSync(dir)
    } catch {
        return assets // not built: the page answers 503 below
    }
    for (const name of names) if (types[extname(name)]) assets.set(name, readFileSync(join(dir, name)))
    return assets
}

export async function webRoutes(fastify: FastifyInstance, s: WebServices): Promise<void> {
    const base = s.config.basePath
    // Read per request: the address may be settled only once the server listens (port 0 in tests).
    const cookie = (maxAgeMs?: number): CookieOptions => ({ path: publicBasePath(s.config), secure: s.config.address.startsWith('https:'), maxAgeMs })
    const assets = loadAssets()
    let template: string | undefined
    try {
        template = readFileSync(join(webRoot, 'index.html'), 'utf8')
    } catch {
        template = undefined
    }

    const page = async (_request: FastifyRequest, reply: FastifyReply) => {
        if (template === undefined) return reply.status(503).type('text/plain').send('The web page is not built: run npm run build.')
        // Any spelling of the tag (a formatter writes `<base href="/" />`): the page's URLs all hang on it.
        const index = template.replace(/<base href="[^"]*"\s*\/?>/, `<base href="${escapeAttribute(publicBasePath(s.config))}">`)
        return reply.header('content-security-policy', csp).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(index)
    }
    fastify.get(base || '/', page)
    if (base) fastify.get(`${base}/`, page)
    fastify.get(`${base}/rooms/:name`, page)
    fastify.get(`${base}/tokens`, page)
    fastify.get<{ Params: { file: string } }>(`${base}/assets/:file`, async (request, reply) => {
        const file = assets.get(request.params.file)
        if (!file) return reply.status(404).type('text/plain').send('Not found')
        return reply.type(types[extname(request.params.file)]!).header('cache-control', 'no-cache').send(file)
    })

    const signedInUser = async (request: FastifyRequest) => {
        const token = cookieOf(request.headers.cookie, webSessionCookie)
        if (!token) return null
        const check = await s.webSessions.check(token, s.now())
        if (check.status !== 'valid') return null
        return { token, user: await s.store.getUser(check.userId) }
    }
    const fromPage = (request: FastifyRequest) => request.headers[csrfHeader] === '1'
    const refuse = (reply: FastifyReply, status: number, key: MessageKey, request: FastifyRequest) =>
        reply.status(status).send({ message: t(resolveLocale((request.query as { localization?: unknown })?.localization), key) })

    fastify.get(`${base}/web/me`, async (request) => {
        const found = await signedInUser(request)
        const user = found?.user
        return { user: user ? { id: user.id, handle: user.handle, name: user.name } : null }
    })

    // The browser asks for a one-time endpoint; it alone can later pick up the session (its cookie).
    fastify.post(`${base}/web/logins`, async (request, reply) => {
        if (!fromPage(request)) return reply.status(403).send({ error: 'cross-site request refused' })
        const started = await s.logins.start(s.now())
        if (!started) return reply.status(503).send({ error: 'too many sign-ins in progress, try again later' })
        const url = loginEndpointUrl(s.config, started.id)
        const link = externalLoginLink(url)
        reply.header('set-cookie', serializeCookie(webLoginCookie, `${started.id}.${started.secret}`, cookie(started.expiresAt - s.now())))
        const qr = renderSVG(link, { border: 2 })
        return { id: started.id, url, link, qr: `data:image/svg+xml;base64,${Buffer.from(qr).toString('base64')}`, expires_at: started.expiresAt }
    })

    // The Sonolus app's signed POST (ServerAuthenticateExternalRequest → ServerMessage).
    fastify.post<{ Params: { id: string } }>(`${base}/web/logins/:id`, async (request, reply) => {
        const signature = request.headers['sonolus-signature']
        const result = await s.logins.complete(request.params.id, {
            raw: request.rawBody ?? Buffer.alloc(0),
            parsed: request.body,
            signature: typeof signature === 'string' ? signature : undefined,
            now: s.now(),
        })
        if (!result.ok) return refuse(reply, 401, result.reason, request)
        return { message: t(resolveLocale((request.query as { localization?: unknown })?.localization), 'webLoginDone') }
    })

    // The waiting page polls; once the app signed in, the session moves into an HttpOnly cookie.
    fastify.get<{ Params: { id: string } }>(`${base}/web/logins/:id`, async (request, reply) => {
        const held = cookieOf(request.headers.cookie, webLoginCookie) ?? ''
        const [id, secret] = held.split('.')
        if (id !== request.params.id) return { status: 'expired' }
        const state = await s.logins.poll(id, secret, s.now())
        if (state.status !== 'done') return { status: state.status }
        reply.header('set-cookie', [
            serializeCookie(webSessionCookie, state.token, cookie(s.config.webSessionTtlMs)),
            serializeCookie(webLoginCookie, '', cookie(0)),
        ])
        return { status: 'done' }
    })

    fastify.post(`${base}/web/logout`, async (request, reply) => {
        if (!fromPage(request)) return reply.status(403).send({ error: 'cross-site request refused' })
        const found = await signedInUser(request)
        if (found) await s.webSessions.revoke(found.token)
        reply.header('set-cookie', serializeCookie(webSessionCookie, '', cookie(0)))
        return { user: null }
    })
}

const escapeAttribute = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')
