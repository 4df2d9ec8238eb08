// The web page's cookies: the signed-in session (HttpOnly, SameSite=Lax, Secure over https) and the
// secret of a sign-in in progress. Parsing is by hand: two cookies do not need a plugin.
import type { FastifyRequest } from 'fastify'

export const webSessionCookie = 'ensemble_session'
export const webLoginCookie = 'ensemble_login'

/** Header every state-changing request of the page sends. A cross-site form cannot set it, and a
 * cross-site fetch that sets it needs a CORS preflight this server never allows. */
export const csrfHeader = 'x-ensemble-csrf'

export function cookieOf(header: string | undefined, name: string): string | undefined {
    if (!header) return undefined
    for (const part of header.split(';')) {
        const at = part.indexOf('=')
        if (at < 0 || part.slice(0, at).trim() !== name) continue
        const value = part.slice(at + 1).trim()
        try {
            return decodeURIComponent(value) || undefined
        } catch {
            return undefined
        }
    }
    return undefined
}

export type CookieOptions = { path: string; secure: boolean; maxAgeMs?: number }

export function serializeCookie(name: string, value: string, o: CookieOptions): string {
    const parts = [`${name}=${encodeURIComponent(value)}`, `Path=${o.path}`, 'HttpOnly', 'SameSite=Lax']
    if (o.secure) parts.push('Secure')
    if (o.maxAgeMs !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(o.maxAgeMs / 1000))}`)
    return parts.join('; ')
}

export const isSafeMethod = (method: string) => method === 'GET' || method === 'HEAD' || method === 'OPTIONS'

/** A cookie-signed state change is accepted only with the page's CSRF header and no foreign Origin. */
export function sameSiteRequest(request: FastifyRequest): boolean {
    if (request.headers[csrfHeader] !== '1') return false
    const origin = request.headers.origin
    if (!origin) return true
    const host = request.headers['x-forwarded-host'] ?? request.headers.host
    try {
        return new URL(origin).host === host
    } catch {
        return false
    }
}
